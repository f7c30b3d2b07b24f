import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ToolDescriptor, ToolResult } from '../ports';
import type { ToolRunOptions } from '../tools/tool-registry';

/** Separates a mounted server's name from its tool's: `<server>__<tool>`. */
const MOUNT_SEPARATOR = '__';

/** Where mount messages go (the apps pass their Nest logger; the library has none). */
export interface MountLog {
  log(message: string): void;
  warn(message: string): void;
}

const silent: MountLog = { log: () => undefined, warn: () => undefined };

interface Mounted {
  server: string;
  client: Client;
  remoteName: string;
  descriptor: ToolDescriptor;
}

/**
 * Tools of external MCP servers (config `tools.mcp_servers`), exposed as `<server>__<tool>` and
 * forwarded over Streamable HTTP. A server that cannot be reached at start is logged and left
 * out, so one broken mount does not keep the tool server down.
 */
export class McpMounts {
  private readonly tools = new Map<string, Mounted>();
  private readonly clients: Client[] = [];

  private constructor(private readonly logger: MountLog) {}

  static async connect(servers: Array<{ name: string; url: string }>, logger: MountLog = silent): Promise<McpMounts> {
    const mounts = new McpMounts(logger);
    await Promise.all(servers.map((s) => mounts.mount(s.name, s.url)));
    return mounts;
  }

  list(): ToolDescriptor[] {
    return [...this.tools.values()].map((t) => t.descriptor);
  }

  has(name: string): boolean {
    return this.tools.has(name);
  }

  async call(name: string, input: unknown, opts: ToolRunOptions): Promise<ToolResult> {
    const tool = this.tools.get(name);
    if (!tool) return { error: `unknown tool '${name}'` };
    const signal = opts.signal ? AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)]) : AbortSignal.timeout(opts.timeoutMs);
    try {
      const result = (await tool.client.callTool(
        { name: tool.remoteName, arguments: (input ?? {}) as Record<string, unknown> },
        undefined,
        {
          signal,
          timeout: opts.timeoutMs,
        },
      )) as CallToolResult;
      return toToolResult(result);
    } catch (error) {
      if (signal.aborted) return { error: `${name} timed out after ${opts.timeoutMs} ms` };
      return { error: `${name} failed on MCP server ${tool.server}: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.close().catch(() => undefined)));
  }

  private async mount(server: string, url: string): Promise<void> {
    const client = new Client({ name: 'switchboard-tool-server', version: '0.1.0' });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(url)));
      const { tools } = await client.listTools();
      this.clients.push(client);
      for (const tool of tools) {
        const name = `${server}${MOUNT_SEPARATOR}${tool.name}`;
        this.tools.set(name, {
          server,
          client,
          remoteName: tool.name,
          descriptor: {
            name,
            description: tool.description ?? `${tool.name} (from ${server})`,
            parameters: tool.inputSchema as Record<string, unknown>,
          },
        });
      }
      this.logger.log(`mounted MCP server ${server} (${url}): ${tools.map((t) => t.name).join(', ') || 'no tools'}`);
    } catch (error) {
      await client.close().catch(() => undefined);
      this.logger.warn(`MCP server ${server} (${url}) not mounted: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/** MCP's content list becomes one value: structured content when given, else the text (JSON when it parses). */
function toToolResult(result: CallToolResult): ToolResult {
  const text = result.content
    .filter((c): c is { type: 'text'; text: string } => c.type === 'text')
    .map((c) => c.text)
    .join('\n');
  if (result.isError) return { error: text || 'the MCP tool reported an error' };
  if (result.structuredContent !== undefined) return { output: result.structuredContent };
  if (result.content.some((c) => c.type !== 'text')) return { output: result.content };
  try {
    return { output: JSON.parse(text) as unknown };
  } catch {
    return { output: text };
  }
}
