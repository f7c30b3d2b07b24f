import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { childEnv, runEntry, type Child } from '../../keeper/fixtures/child-process';
import { NATS_URL } from './nats';

export interface ToolServerProcess {
  /** `http://127.0.0.1:<port>`; MCP at `${url}/mcp`. */
  url: string;
  child: Child;
  stop(): Promise<void>;
}

/**
 * The real tool server as its own process (`src/tool-server/main.ts`, run from the TypeScript
 * sources), configured as an operator would: a config file with its `tools:` section, NATS_URL,
 * TOOLS_PORT and NATS_TOOLS_PREFIX (so parallel suites on one NATS server never answer each other).
 */
export async function startToolServerProcess(opts: {
  subjectPrefix: string;
  tools?: Record<string, unknown>;
  /** More environment (OTEL_EXPORTER_OTLP_ENDPOINT...). */
  env?: NodeJS.ProcessEnv;
}): Promise<ToolServerProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'tool-server-'));
  const configPath = join(dir, 'gateway.yaml');
  writeFileSync(configPath, stringify({ tools: opts.tools ?? {} }));
  const child = runEntry(
    'src/tool-server/main.ts',
    childEnv({
      SWITCHBOARD_CONFIG: configPath,
      NATS_URL,
      NATS_TOOLS_PREFIX: opts.subjectPrefix,
      TOOLS_PORT: '0',
      HOST: '127.0.0.1',
      ...opts.env,
    }),
  );
  const stop = async () => {
    await child.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const [, url] = await child.waitFor(/MCP at (http:\/\/\S+)\/mcp/, 30_000);
    return { url, child, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
