import type { ToolDescriptor, ToolResult, ToolSource } from '../ports';
import type { ToolRegistry, ToolRunOptions } from './tool-registry';

/** Tools that live elsewhere (the MCP servers of `tools.mcp_servers`), as the catalog reaches them. */
export interface MountedTools {
  list(): ToolDescriptor[];
  has(name: string): boolean;
  call(name: string, input: unknown, opts: ToolRunOptions): Promise<ToolResult>;
  close(): Promise<void>;
}

/** No MCP server configured. */
export const NO_MOUNTS: MountedTools = {
  list: () => [],
  has: () => false,
  call: (name) => Promise.resolve({ error: `unknown tool '${name}'` }),
  close: () => Promise.resolve(),
};

/**
 * What a process offers as tools: the built-in ones, then the tools of mounted MCP servers. The
 * tool server serves it over NATS and MCP; a gateway without NATS calls it in-process.
 */
export class ToolCatalog implements ToolSource {
  constructor(
    readonly registry: ToolRegistry,
    private readonly mounts: MountedTools,
  ) {}

  list(): ToolDescriptor[] {
    return [...this.registry.list(), ...this.mounts.list()];
  }

  call(name: string, input: unknown, opts: ToolRunOptions): Promise<ToolResult> {
    if (this.registry.has(name)) return this.registry.call(name, input, opts);
    if (this.mounts.has(name)) return this.mounts.call(name, input, opts);
    return Promise.resolve({
      error: `unknown tool '${name}' (available: ${this.list()
        .map((t) => t.name)
        .join(', ')})`,
    });
  }

  close(): Promise<void> {
    return this.mounts.close();
  }
}
