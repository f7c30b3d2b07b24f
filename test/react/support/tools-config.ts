import type { ToolsConfig } from '@switchboard/config';

/** The `tools` section as loadConfig fills it, with overrides. */
export function toolsConfig(overrides: Partial<ToolsConfig> = {}): ToolsConfig {
  return {
    mcpServers: [],
    httpGet: { maxBytes: 1024 * 1024, timeoutMs: 5000, allowedHosts: [] },
    webSearch: {},
    callTimeoutMs: 10_000,
    ...overrides,
  };
}
