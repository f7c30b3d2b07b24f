import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { natsConnectOptions } from '@switchboard/config';
import { NatsToolBus } from '@switchboard/react';
import { createToolServer, type RunningToolServer } from '../../src/tool-server/main';
import { startExternalMcpServer } from '../react/support/external-mcp';
import { describeWithNats, NATS_URL, uniquePrefix } from '../react/support/nats';
import { toolsConfig } from '../react/support/tools-config';

describeWithNats('tool server over real NATS and MCP', () => {
  let external: Awaited<ReturnType<typeof startExternalMcpServer>>;
  let server: RunningToolServer;
  let bus: NatsToolBus;
  let nc: NatsConnection;
  let mcp: Client;
  const prefix = uniquePrefix();

  beforeAll(async () => {
    external = await startExternalMcpServer();
    server = await createToolServer(
      {
        tools: toolsConfig({
          mcpServers: [
            { name: 'meteo', url: external.url },
            { name: 'gone', url: 'http://127.0.0.1:9/mcp' },
          ],
        }),
      },
      { natsUrl: NATS_URL, port: 0, host: '127.0.0.1', subjectPrefix: prefix, logger: false },
    );
    nc = await connect(natsConnectOptions(NATS_URL));
    bus = new NatsToolBus(nc, { subjectPrefix: prefix });
    mcp = new Client({ name: 'test-client', version: '1.0.0' });
    await mcp.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`)));
  });

  afterAll(async () => {
    await mcp?.close();
    await nc?.drain();
    await server?.close();
    await external?.close();
  });

  describe('over NATS', () => {
    it('lists the built-in tools and the mounted ones, but not an unreachable mount', async () => {
      const names = (await bus.list()).map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(['calculator', 'current_time', 'http_get', 'web_search', 'meteo__weather']));
      expect(names.some((n) => n.startsWith('gone__'))).toBe(false);
    });

    it('calls the calculator', async () => {
      await expect(bus.call('calculator', { expression: '(2 + 3) * 4' }, { timeoutMs: 5000 })).resolves.toEqual({ output: 20 });
    });

    it('returns a tool error as a value, and keeps serving', async () => {
      await expect(bus.call('calculator', { expression: '1 / 0' }, { timeoutMs: 5000 })).resolves.toEqual({ error: 'division by zero' });
      await expect(bus.call('calculator', { expression: 7 }, { timeoutMs: 5000 })).resolves.toEqual({
        error: 'invalid input for calculator: input/expression must be string',
      });
      await expect(bus.call('nope', {}, { timeoutMs: 5000 })).resolves.toMatchObject({
        error: expect.stringContaining("unknown tool 'nope'"),
      });
      await expect(bus.call('calculator', { expression: '2^10' }, { timeoutMs: 5000 })).resolves.toEqual({ output: 1024 });
    });

    it('says web_search is not configured without a Tavily key', async () => {
      await expect(bus.call('web_search', { query: 'nats' }, { timeoutMs: 5000 })).resolves.toEqual({
        error: 'web_search is not configured: set TAVILY_API_KEY',
      });
    });

    it('forwards a call to the mounted MCP server', async () => {
      await expect(bus.call('meteo__weather', { city: 'Oslo' }, { timeoutMs: 5000 })).resolves.toEqual({
        output: { city: 'Oslo', sky: 'snow' },
      });
    });

    it('reports that nobody listens on another prefix', async () => {
      const lonely = new NatsToolBus(nc, { subjectPrefix: uniquePrefix() });
      await expect(lonely.call('calculator', { expression: '1' }, { timeoutMs: 2000 })).resolves.toEqual({
        error: 'tool server unavailable: nobody listens on NATS',
      });
    });
  });

  describe('over MCP (official SDK client, Streamable HTTP)', () => {
    it('lists every tool with its JSON schema', async () => {
      const { tools } = await mcp.listTools();
      const calculator = tools.find((t) => t.name === 'calculator');
      expect(calculator?.inputSchema).toMatchObject({ type: 'object', required: ['expression'] });
      expect(tools.map((t) => t.name)).toContain('meteo__weather');
    });

    it('calls a built-in tool', async () => {
      const result = await mcp.callTool({ name: 'calculator', arguments: { expression: 'sqrt(81) + 1' } });
      expect(result).toMatchObject({ content: [{ type: 'text', text: '10' }] });
      expect(result.isError).toBeFalsy();
    });

    it('reports a tool error with isError', async () => {
      const result = await mcp.callTool({ name: 'current_time', arguments: { timezone: 'Mars/Olympus' } });
      expect(result).toMatchObject({
        isError: true,
        content: [{ type: 'text', text: expect.stringContaining("unknown time zone 'Mars/Olympus'") }],
      });
    });

    it('calls a mounted tool through the tool server', async () => {
      const result = await mcp.callTool({ name: 'meteo__weather', arguments: { city: 'Rome' } });
      expect(result).toMatchObject({ structuredContent: { city: 'Rome', sky: 'sun' } });
    });
  });
});
