import { connect, errors, type NatsConnection } from '@nats-io/transport-node';
import { natsConnectOptions } from '@switchboard/config';
import { NatsToolBus } from '@switchboard/react';
import { REACT_TRANSPORT, type ReactTransport } from '../../../src/gateway/react/react-transport';
import { createToolServer, type RunningToolServer } from '../../../src/tool-server/main';
import { chat, upstreamConfig } from '../../analytics/support';
import { describeWithNats, uniquePrefix } from '../../react/support/nats';
import { toolsConfig } from '../../react/support/tools-config';
import { CapturedJsonLog } from '../../support/capturing-logger';
import { eventually, waitFor } from '../../support/eventually';
import { startPrivateNats, type PrivateNats } from '../../support/private-nats';
import { reply, startScriptedUpstream, type ScriptedUpstream } from '../../support/scripted-upstream';
import { analyticsPrefixes, startGateway, type StartedGateway } from '../../support/start-gateway';

const KEY = 'sk-nats-auth-0000000000000000';
// A password the URL must percent-encode: `:` would end the user part early, `/` the authority.
const PASSWORD = 's3cr:et/x';
const TOKEN = 't0ken-of-the-day';

type Readiness = { details: Record<string, { status: string; message?: string }> };

async function readiness(gw: StartedGateway): Promise<{ status: number; body: Readiness; text: string }> {
  const res = await fetch(`${gw.url}/health/ready`);
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as Readiness, text };
}

/** What an agent's tool call gets from this gateway's tool bus now. */
function toolCall(gw: StartedGateway) {
  return gw.app.get<symbol, ReactTransport>(REACT_TRANSPORT).bus.call('calculator', { expression: '6 * 7' }, { timeoutMs: 2_000 });
}

/** A chat through `gw` arrives on `requests.completed`, read from NATS at `url` (with its credentials). */
async function expectPublished(gw: StartedGateway, url: string, subjectPrefix: string): Promise<void> {
  const watcher = await connect(natsConnectOptions(url));
  try {
    const completed = watcher.subscribe(`${subjectPrefix}.requests.completed`, { max: 1 });
    await watcher.flush();
    expect((await chat(gw.url)).status).toBe(200);
    for await (const msg of completed) expect(msg.json()).toMatchObject({ status: 200, profile: 'burst' });
    expect(completed.getProcessed()).toBe(1);
  } finally {
    await watcher.close();
  }
}

/**
 * How many times the server refused the credentials on `nc` from now on: past two in a row the
 * client gives up for good unless told not to, which is what a rotation test must get beyond.
 */
function refusalsOn(nc: NatsConnection): { count: number } {
  const seen = { count: 0 };
  void (async () => {
    for await (const status of nc.status()) if (status.type === 'error' && status.error instanceof errors.AuthorizationError) seen.count++;
  })();
  return seen;
}

/** `nats://host:port` with credentials written in, as an operator would put them in NATS_URL. */
function withCredentials(url: string, userinfo: string): string {
  return url.replace('nats://', `nats://${userinfo}@`);
}

// Private nats-servers with auth on (the shared one has none); the clients must take the credentials from NATS_URL.
describeWithNats('NATS_URL with credentials, against a nats-server that asks for them', () => {
  jest.setTimeout(60_000);
  let upstream: ScriptedUpstream;
  let gw: StartedGateway | undefined;

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    upstream.always(KEY, reply.chat('fine'));
  });
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });
  afterAll(() => upstream?.close());

  describe('a user and password', () => {
    let nats: PrivateNats;
    let url: string;

    beforeAll(async () => {
      nats = await startPrivateNats({ auth: { user: 'alice', pass: PASSWORD } });
      url = withCredentials(nats.url, `alice:${encodeURIComponent(PASSWORD)}`);
    });
    afterAll(() => nats?.stop());

    it('the gateway connects: NATS ready, and a finished request is published on requests.completed', async () => {
      const prefixes = analyticsPrefixes();
      gw = await startGateway({
        config: upstreamConfig(upstream.baseUrl, [KEY], { keeper: { enabled: false } }),
        env: { ...prefixes, NATS_URL: url },
      });
      const ready = await readiness(gw);
      expect(ready.status).toBe(200);
      expect(ready.body.details).toMatchObject({ nats: { status: 'up' }, analytics: { status: 'up' } });

      await expectPublished(gw, url, prefixes.NATS_SUBJECT_PREFIX);
    });

    it('the tool server connects: ready, and it answers over NATS', async () => {
      const subjectPrefix = uniquePrefix();
      let server: RunningToolServer | undefined;
      let nc: NatsConnection | undefined;
      try {
        server = await createToolServer(
          { tools: toolsConfig() },
          { natsUrl: url, port: 0, host: '127.0.0.1', subjectPrefix, logger: false },
        );
        const res = await fetch(`${server.url}/health/ready`);
        expect(res.status).toBe(200);
        expect(((await res.json()) as Readiness).details.nats).toEqual({ status: 'up' });
        nc = await connect(natsConnectOptions(url));
        const names = (await new NatsToolBus(nc, { subjectPrefix }).list()).map((t) => t.name);
        expect(names).toContain('calculator');
      } finally {
        await nc?.close();
        await server?.close();
      }
    });

    it('across a credential rotation on the server: degraded while it refuses NATS_URL, and back to publishing once it accepts it again', async () => {
      const log = new CapturedJsonLog();
      const prefixes = analyticsPrefixes();
      gw = await startGateway({
        config: upstreamConfig(upstream.baseUrl, [KEY], { keeper: { enabled: false } }),
        env: { ...prefixes, NATS_URL: url, LOG_LEVEL: 'info' },
        logStream: log,
      });
      const started = gw;
      expect((await readiness(started)).body.details).toMatchObject({ nats: { status: 'up' }, analytics: { status: 'up' } });
      // The tool bus's connection (the analytics one retries more often, so it is refused at least as many times).
      const refusals = refusalsOn(started.app.get<symbol, ReactTransport>(REACT_TRANSPORT).nats!.connection!);

      // The server's password changes under the running gateway: every reconnect is refused.
      await nats.pause();
      await nats.resume({ auth: { user: 'alice', pass: 'rotated-only-on-the-server' } });
      const refused = await eventually(
        () => readiness(started),
        (r) => [r.body.details.nats, r.body.details.analytics].every((d) => d?.message?.startsWith('NATS refuses the credentials')),
        30_000,
      );
      expect(refused.status).toBe(200);
      expect(refused.body.details).toMatchObject({
        nats: { status: 'degraded', message: "NATS refuses the credentials in NATS_URL: agents' tool calls fail meanwhile" },
        analytics: { status: 'degraded', message: expect.stringMatching(/^NATS refuses the credentials in NATS_URL: /) },
      });
      await expect(toolCall(started)).resolves.toEqual({ error: 'tool server unavailable: NATS refuses the credentials in NATS_URL' });
      expect((await chat(started.url)).status).toBe(200);
      // Said once per connection (tool bus, analytics), not once per refused attempt.
      const warnings = /NATS at nats:\/\/127\.0\.0\.1:\d+ refuses the credentials in NATS_URL \(Authorization Violation\)/g;
      expect(log.text.match(warnings)).toHaveLength(2);
      await waitFor('a second refusal in a row', () => refusals.count >= 2, 30_000);

      // The gateway's credentials are valid again: both connections come back on their own.
      await nats.pause();
      await nats.resume();
      await eventually(
        () => readiness(started),
        (r) => r.body.details.nats?.status === 'up' && r.body.details.analytics?.status === 'up',
        30_000,
      );
      await waitFor('both connections to say they reconnected', () => (log.text.match(/NATS at \S+ reconnected/g) ?? []).length === 2);
      expect(log.text.match(warnings)).toHaveLength(2);
      await expectPublished(started, url, prefixes.NATS_SUBJECT_PREFIX);
      for (const text of [log.text, refused.text]) expect(text).not.toMatch(/s3cr|rotated-only|alice/);
    });

    it('the tool server across the same rotation: not ready while refused, saying why; answering over NATS again after', async () => {
      const subjectPrefix = uniquePrefix();
      let server: RunningToolServer | undefined;
      let nc: NatsConnection | undefined;
      const toolReadiness = async () => {
        const res = await fetch(`${server!.url}/health/ready`);
        return { status: res.status, nats: ((await res.json()) as Readiness).details.nats };
      };
      try {
        server = await createToolServer(
          { tools: toolsConfig() },
          { natsUrl: url, port: 0, host: '127.0.0.1', subjectPrefix, logger: false },
        );
        const refusals = refusalsOn(server.app.getMicroservices()[0].unwrap<NatsConnection>());
        await nats.pause();
        await nats.resume({ auth: { user: 'alice', pass: 'rotated-only-on-the-server' } });
        const refused = await eventually(toolReadiness, (r) => r.nats?.message !== undefined && r.nats.message.includes('refuses'), 30_000);
        expect(refused).toEqual({ status: 503, nats: { status: 'down', message: 'NATS refuses the credentials in NATS_URL' } });
        await waitFor('a second refusal in a row', () => refusals.count >= 2, 30_000);

        await nats.pause();
        await nats.resume();
        // Past the client's two refusals in a row that would have closed it for good.
        expect(await eventually(toolReadiness, (r) => r.status === 200, 30_000)).toEqual({ status: 200, nats: { status: 'up' } });
        nc = await connect(natsConnectOptions(url));
        expect(await new NatsToolBus(nc, { subjectPrefix }).call('calculator', { expression: '6 * 7' }, { timeoutMs: 2_000 })).toEqual({
          output: 42,
        });
      } finally {
        await nc?.close();
        await server?.close();
      }
    });

    it('with a wrong password the gateway still serves /v1, NATS degraded, and says why without the password', async () => {
      const log = new CapturedJsonLog();
      gw = await startGateway({
        config: upstreamConfig(upstream.baseUrl, [KEY], { keeper: { enabled: false } }),
        env: { ...analyticsPrefixes(), NATS_URL: withCredentials(nats.url, 'alice:not-the-p%40ssword'), LOG_LEVEL: 'info' },
        logStream: log,
      });
      expect((await chat(gw.url)).status).toBe(200);
      const ready = await readiness(gw);
      expect(ready.status).toBe(200);
      expect(ready.body.details).toMatchObject({
        nats: { status: 'degraded', message: "NATS refuses the credentials in NATS_URL: agents' tool calls fail meanwhile" },
        analytics: { status: 'degraded', message: expect.stringMatching(/^NATS refuses the credentials in NATS_URL: /) },
      });
      // One warning per connection (tool bus, analytics), naming the server only.
      const warnings = log.text.match(/NATS at nats:\/\/127\.0\.0\.1:\d+ refuses the credentials in NATS_URL \(Authorization Violation\)/g);
      expect(warnings).toHaveLength(2);
      for (const text of [log.text, ready.text]) expect(text).not.toMatch(/not-the-p|%40ssword|alice/);
      // An agent's tool call says the same.
      const answer = await toolCall(gw);
      expect(answer).toEqual({ error: 'tool server unavailable: NATS refuses the credentials in NATS_URL' });
    });

    it('the tool server refuses to start with a wrong password, without showing it', async () => {
      const started = createToolServer(
        { tools: toolsConfig() },
        {
          natsUrl: withCredentials(nats.url, 'alice:not-the-p%40ssword'),
          port: 0,
          host: '127.0.0.1',
          subjectPrefix: uniquePrefix(),
          logger: false,
        },
      );
      const error = (await started.then(
        (server) => server.close().then(() => new Error('started')),
        (err: unknown) => err,
      )) as Error;
      expect(error.message).toMatch(/Authorization Violation/);
      expect(error.message).not.toMatch(/not-the-p|%40ssword/);
    });
  });

  describe('a token', () => {
    let nats: PrivateNats;

    beforeAll(async () => {
      nats = await startPrivateNats({ auth: { token: TOKEN } });
    });
    afterAll(() => nats?.stop());

    it('the gateway connects with the token written as the user part', async () => {
      gw = await startGateway({
        config: upstreamConfig(upstream.baseUrl, [KEY], { keeper: { enabled: false } }),
        env: { ...analyticsPrefixes(), NATS_URL: withCredentials(nats.url, TOKEN) },
      });
      const ready = await readiness(gw);
      expect(ready.body.details).toMatchObject({ nats: { status: 'up' }, analytics: { status: 'up' } });
    });

    it('without it, readiness says the server asks for credentials NATS_URL does not carry', async () => {
      gw = await startGateway({
        config: upstreamConfig(upstream.baseUrl, [KEY], { keeper: { enabled: false } }),
        env: { ...analyticsPrefixes(), NATS_URL: nats.url },
      });
      expect((await chat(gw.url)).status).toBe(200);
      const ready = await readiness(gw);
      expect(ready.body.details.nats).toEqual({
        status: 'degraded',
        message: "NATS asks for credentials NATS_URL does not carry: agents' tool calls fail meanwhile",
      });
      await expect(toolCall(gw)).resolves.toEqual({ error: 'tool server unavailable: NATS asks for credentials NATS_URL does not carry' });
    });
  });
});
