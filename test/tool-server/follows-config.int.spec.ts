import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Logger } from '@nestjs/common';
import { loadConfig } from '@switchboard/config';
import { fingerprint } from '@switchboard/domain';
import { createToolServer, type RunningToolServer } from '../../src/tool-server/main';
import { eventually } from '../support/eventually';
import { startGateway, type StartedGateway } from '../support/start-gateway';
import { startExternalMcpServer } from '../react/support/external-mcp';
import { describeWithNats, NATS_URL, uniquePrefix } from '../react/support/nats';

const ADMIN_KEY = 'sb-tools-follow-admin-0001';
const FIRST_CLIENT = 'sb-tools-follow-client-0001';
const SECOND_CLIENT = 'sb-tools-follow-client-0002';
/** Sent literally in a PUT to the gateway: stored masked, so the tool server never learns it. */
const PUT_ONLY_CLIENT = 'sb-tools-follow-client-0003';
// A literal key travels masked and only processes whose file holds it can use it; a `${VAR}` one works everywhere.
process.env.TOOLS_FOLLOW_SECOND_KEY = SECOND_CLIENT;

/**
 * The gateway in this process and the tool server beside it on the same SQLite store, both
 * started from one file: an admin's config change and a client key issued or revoked through the
 * gateway reach the tool server's tools and its /mcp keys without a restart.
 */
describeWithNats('the tool server follows the stored config', () => {
  let gw: StartedGateway;
  let tools: RunningToolServer;
  let external: Awaited<ReturnType<typeof startExternalMcpServer>>;
  const clients: Client[] = [];

  beforeAll(async () => {
    external = await startExternalMcpServer();
    gw = await startGateway({
      config: {
        auth: { admin_keys: [{ name: 'ops', key: ADMIN_KEY }], client_keys: [{ name: 'first', key: FIRST_CLIENT }] },
        providers: { mock: { type: 'mock' } },
        models: { 'mock-fast': { chain: [{ provider: 'mock', model: 'mock-1' }] } },
        keeper: { enabled: false },
      },
    });
    const fileConfig = loadConfig({ path: join(gw.dir, 'gateway.yaml'), env: process.env });
    tools = await createToolServer(fileConfig, {
      natsUrl: NATS_URL,
      port: 0,
      host: '127.0.0.1',
      subjectPrefix: uniquePrefix(),
      logger: false,
      eventStoreUrl: `sqlite:${gw.storePath}`,
    });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await tools?.close();
    await gw?.close();
    await external?.close();
  });

  /** Status of an MCP tools/list with this key (200 when accepted). */
  const mcpStatus = async (key: string) =>
    (
      await fetch(`${tools.url}/mcp`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
      })
    ).status;
  const admin = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${gw.url}${path}`, {
      method,
      headers: { 'x-api-key': ADMIN_KEY, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it('takes the admin key and the configured client key, and a client key issued through /admin/clients until it is revoked', async () => {
    expect(await mcpStatus(ADMIN_KEY)).toBe(200);
    expect(await mcpStatus(FIRST_CLIENT)).toBe(200);
    const issued = await admin('POST', '/admin/clients', { name: 'agent-runner' });
    expect(issued.status).toBe(201);
    const { key } = (await issued.json()) as { key: string };
    expect(
      await eventually(
        () => mcpStatus(key),
        (s) => s === 200,
        5_000,
      ),
    ).toBe(200);
    expect((await admin('DELETE', '/admin/clients/agent-runner')).status).toBeLessThan(300);
    expect(
      await eventually(
        () => mcpStatus(key),
        (s) => s === 401,
        5_000,
      ),
    ).toBe(401);
  });

  it("applies an admin's config change without a restart: an MCP server mounted, the client keys replaced", async () => {
    const current = (await (await admin('GET', '/admin/config')).json()) as { revision: number; config: Record<string, unknown> };
    const next = {
      ...current.config,
      auth: { admin_keys: [{ name: 'ops', key: ADMIN_KEY }], client_keys: [{ name: 'second', key: '${TOOLS_FOLLOW_SECOND_KEY}' }] },
      tools: { mcp_servers: [{ name: 'meteo', url: external.url }] },
    };
    const put = await admin('PUT', '/admin/config', { config: next }, { 'if-match': `"${current.revision}"` });
    expect(put.status).toBe(200);

    const names = await eventually(
      () => tools.catalog.list().map((t) => t.name),
      (list) => list.some((n) => n.startsWith('meteo__')),
      10_000,
    );
    expect(names).toEqual(expect.arrayContaining(['calculator', expect.stringMatching(/^meteo__/)]));
    expect(
      await eventually(
        () => mcpStatus(SECOND_CLIENT),
        (s) => s === 200,
        5_000,
      ),
    ).toBe(200);
    expect(await mcpStatus(FIRST_CLIENT)).toBe(401);

    // And an MCP client sees the mounted tool, and calls it, through the tool server.
    const client = new Client({ name: 'test-client', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${tools.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${SECOND_CLIENT}` } },
      }),
    );
    clients.push(client);
    const listed = (await client.listTools()).tools.map((t) => t.name);
    expect(listed.some((n) => n.startsWith('meteo__'))).toBe(true);
  });

  it('refuses a literal client key PUT through the gateway, and says once, by path, that it does not know it', async () => {
    // The tool server's Logger is Nest's shared one in this process: its warnings are told apart by context.
    const warned: string[] = [];
    const spy = jest.spyOn(Logger.prototype, 'warn').mockImplementation(function (this: Logger, message: unknown) {
      if (this.context === 'ToolServerConfig') warned.push(String(message));
    });
    /** PUTs the config with the literal client key and these admin keys; resolves once the tool server says SECOND_CLIENT is `status`. */
    const putWithAdmins = async (adminKeys: unknown[], status: number) => {
      const current = (await (await admin('GET', '/admin/config')).json()) as { revision: number; config: Record<string, unknown> };
      const next = { ...current.config, auth: { admin_keys: adminKeys, client_keys: [{ name: 'put-only', key: PUT_ONLY_CLIENT }] } };
      expect((await admin('PUT', '/admin/config', { config: next }, { 'if-match': `"${current.revision}"` })).status).toBe(200);
      // The tool server applies keys, then warns, in one go: once it answers so, the revision's warnings are out.
      expect(
        await eventually(
          () => mcpStatus(SECOND_CLIENT),
          (s) => s === status,
          5_000,
        ),
      ).toBe(status);
    };
    try {
      const ops = { name: 'ops', key: ADMIN_KEY };
      await putWithAdmins([ops], 401);
      // A later revision with the same literal key (and SECOND_CLIENT as an admin key, to see it applied) warns no more.
      await putWithAdmins([ops, { name: 'second', key: '${TOOLS_FOLLOW_SECOND_KEY}' }], 200);
      expect((await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${PUT_ONLY_CLIENT}` } })).status).toBe(200);
      expect(await mcpStatus(PUT_ONLY_CLIENT)).toBe(401);
      expect(warned).toEqual([expect.stringContaining(`auth.client_keys[0].key (${fingerprint(PUT_ONLY_CLIENT)})`)]);
      expect(warned.join('\n')).not.toContain(PUT_ONLY_CLIENT);
    } finally {
      spy.mockRestore();
    }
  });
});
