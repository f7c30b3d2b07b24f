import { ToolRegistry, type ToolDescriptor, type ToolResult, type ToolRunOptions } from '@switchboard/react';
import type { McpMounts } from './mcp/mcp-mounts';

/** What the tool server offers: the built-in tools, then the tools of mounted MCP servers. */
export class ToolCatalog {
  constructor(
    readonly registry: ToolRegistry,
    private readonly mounts: McpMounts,
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
}
