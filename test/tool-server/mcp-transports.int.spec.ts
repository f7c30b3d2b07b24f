import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createToolServer, type RunningToolServer } from '../../src/tool-server/main';
import { describeWithNats, NATS_URL, uniquePrefix } from '../react/support/nats';
import { toolsConfig } from '../react/support/tools-config';

const CLIENT_KEY = 'sk-client-mcp-test';
const ADMIN_KEY = 'sk-admin-mcp-test';

describeWithNats('tool server MCP endpoint: transports and keys', () => {
  let server: RunningToolServer;
  const clients: Client[] = [];

  beforeAll(async () => {
    server = await createToolServer(
      {
        tools: toolsConfig(),
        auth: { clientKeys: [{ name: 'client', key: CLIENT_KEY, limits: {} }], adminKeys: [{ name: 'admin', key: ADMIN_KEY }] },
      },
      { natsUrl: NATS_URL, port: 0, host: '127.0.0.1', subjectPrefix: uniquePrefix(), logger: false },
    );
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await server?.close();
  });

  const connect = async (headers: Record<string, string>): Promise<Client> => {
    const client = new Client({ name: 'test-client', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers } }));
    clients.push(client);
    return client;
  };

  it('serves a client key as Bearer and an admin key as x-api-key', async () => {
    const asClient = await connect({ authorization: `Bearer ${CLIENT_KEY}` });
    expect((await asClient.listTools()).tools.map((t) => t.name)).toContain('calculator');
    const asAdmin = await connect({ 'x-api-key': ADMIN_KEY });
    const result = await asAdmin.callTool({ name: 'calculator', arguments: { expression: '6 * 7' } });
    expect(result.content).toEqual([{ type: 'text', text: '42' }]);
  });

  it('refuses a missing or wrong key with 401 before any MCP exchange', async () => {
    await expect(connect({})).rejects.toThrow(/MCP needs a key/);
    await expect(connect({ authorization: 'Bearer sk-wrong' })).rejects.toThrow(/Incorrect API key/);
    const raw = await fetch(`${server.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(raw.status).toBe(401);
    expect(await raw.json()).toMatchObject({ jsonrpc: '2.0', error: { message: expect.stringContaining('Authorization: Bearer') } });
  });

  it('answers GET (the legacy SSE transport, or a stream request) with 405 at once instead of a stream that never speaks', async () => {
    const res = await fetch(`${server.url}/mcp`, { headers: { accept: 'text/event-stream', authorization: `Bearer ${CLIENT_KEY}` } });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(await res.json()).toMatchObject({ error: { message: expect.stringContaining('Streamable HTTP') } });
  });

  it('lets a legacy HTTP+SSE client fail fast with the status, so it can fall back', async () => {
    const legacy = new Client({ name: 'legacy', version: '1.0.0' });
    const transport = new SSEClientTransport(new URL(`${server.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${CLIENT_KEY}` } },
    });
    await expect(legacy.connect(transport)).rejects.toThrow(/405/);
  });
});

describeWithNats('tool server MCP endpoint with no key configured: safe by default, like /admin', () => {
  let server: RunningToolServer;
  beforeAll(async () => {
    server = await createToolServer(
      { tools: toolsConfig(), auth: { clientKeys: [], adminKeys: [] } },
      { natsUrl: NATS_URL, port: 0, host: '127.0.0.1', subjectPrefix: uniquePrefix(), logger: false },
    );
  });
  afterAll(() => server?.close());

  const listFrom = (remoteAddress: string) =>
    server.app
      .getHttpAdapter()
      .getInstance()
      .inject({
        method: 'POST',
        url: '/mcp',
        remoteAddress,
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        payload: { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} },
      });

  it('answers a loopback client without a key', async () => {
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) expect((await listFrom(address)).statusCode).toBe(200);
  });

  it('refuses any other address with 403 saying how to configure keys', async () => {
    for (const address of ['203.0.113.7', '10.0.0.5', '2001:db8::1']) {
      const res = await listFrom(address);
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ jsonrpc: '2.0', error: { message: expect.stringContaining('auth.admin_keys') } });
    }
  });
});
