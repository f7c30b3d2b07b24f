import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ToolsConfig } from '@switchboard/config';
import type { ToolCatalog } from '@switchboard/react';

/**
 * MCP over Streamable HTTP, stateless: each POST gets its own server and transport, so replicas
 * need no sticky sessions. The low-level `Server` is used (not `McpServer`) because our tools
 * carry JSON schemas already; `McpServer` wants zod shapes and would re-derive them.
 */
export async function handleMcpRequest(
  catalog: ToolCatalog,
  config: ToolsConfig,
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
): Promise<void> {
  const server = mcpServerFor(catalog, config);
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, body);
}

export function mcpServerFor(catalog: ToolCatalog, config: ToolsConfig): Server {
  const server = new Server({ name: 'switchboard-tools', version: '0.1.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: catalog.list().map((t) => ({ name: t.name, description: t.description, inputSchema: t.parameters as { type: 'object' } })),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const result = await catalog.call(request.params.name, request.params.arguments ?? {}, {
      timeoutMs: config.callTimeoutMs,
      signal: extra.signal,
    });
    if ('error' in result) return { content: [{ type: 'text', text: result.error }], isError: true };
    const text = typeof result.output === 'string' ? result.output : JSON.stringify(result.output);
    const structured = isRecord(result.output) ? { structuredContent: result.output } : {};
    return { content: [{ type: 'text', text }], ...structured };
  });
  return server;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
