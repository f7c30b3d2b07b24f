import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { KeySync } from '../../../src/gateway/core/key-sync';
import { childEnv, runEntry, type Child } from '../../keeper/fixtures/child-process';
import { freePort, startPrivateNats, type PrivateNats } from '../../support/private-nats';
import { eventually } from '../../support/eventually';
import { startGateway, type StartedGateway } from '../../support/start-gateway';
import { describeWithNats } from '../../react/support/nats';
import { describeWithRedis, REDIS_URL, uniqueRedisPrefix } from '../../support/redis';

const config = { models: { 'mock-fast': { chain: [{ provider: 'mock', model: 'mock-1' }] } }, providers: { mock: { type: 'mock' } } };

interface Report {
  status: string;
  details: Record<string, { status: string; message?: string }>;
}

const ready = async (url: string) => {
  const res = await fetch(`${url}/health/ready`);
  return { status: res.status, body: (await res.json()) as Report };
};

describeWithNats('/health/ready with NATS configured', () => {
  let nats: PrivateNats;
  let gw: StartedGateway;

  beforeAll(async () => {
    nats = await startPrivateNats();
    gw = await startGateway({ config, env: { NATS_URL: nats.url } });
  });
  afterAll(async () => {
    await gw?.close();
    await nats?.stop();
  });

  it('reports NATS up beside the event store and the projections', async () => {
    const { status, body } = await ready(gw.url);
    expect(status).toBe(200);
    expect(body.details).toMatchObject({ event_store: { status: 'up' }, projections: { status: 'up' }, nats: { status: 'up' } });
  });

  it('with its NATS server stopped, stays 200 and shows NATS degraded: chat still routes', async () => {
    await nats.stop();
    const { status, body } = await eventually(
      () => ready(gw.url),
      (r) => r.body.details.nats?.status !== 'up',
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'ok', details: { nats: { status: 'degraded' }, event_store: { status: 'up' } } });
    const chat = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-fast', messages: [{ role: 'user', content: 'still there?' }] }),
    });
    expect(chat.status).toBe(200);
  });

  it('reports NATS up again once its server is back', async () => {
    nats = await startPrivateNats({ port: Number(new URL(nats.url).port) });
    const { status, body } = await eventually(
      () => ready(gw.url),
      (r) => r.body.details.nats?.status === 'up',
    );
    expect(status).toBe(200);
    expect(body.details.nats).toEqual({ status: 'up' });
  });
});

describe('/health/ready without NATS_URL', () => {
  it('lists only what the process uses: no NATS entry', async () => {
    const gw = await startGateway({ config, env: { NATS_URL: '' } });
    try {
      const { status, body } = await ready(gw.url);
      expect(status).toBe(200);
      expect(Object.keys(body.details).sort()).toEqual(['event_store', 'projections']);
    } finally {
      await gw.close();
    }
  });
});

describe('/health/ready before the configured keys are synced', () => {
  it('answers 503 (projections: syncing the configured keys) until the start-up key sync is done, then 200', async () => {
    const gw = await startGateway({ config, env: { NATS_URL: '' } });
    try {
      // The start-up sync is done once startGateway returns; put this process back before it, where the
      // projections had caught up but the pool did not hold the configured keys yet (a chat would get a 503).
      const keySync = gw.app.get(KeySync);
      expect(keySync.synced).toBe(true);
      keySync.synced = false;
      const before = await ready(gw.url);
      expect(before.status).toBe(503);
      expect(before.body.details.projections).toEqual({ status: 'down', message: 'syncing the configured keys' });
      keySync.synced = true;
      expect((await ready(gw.url)).status).toBe(200);
    } finally {
      await gw.close();
    }
  });
});

describeWithRedis('/health/ready with REDIS_URL (the rate-limit counters)', () => {
  const limited = { ...config, limits: { on_redis_error: 'deny' } };

  it('reports Redis up when it answers', async () => {
    const gw = await startGateway({ config, env: { REDIS_URL, REDIS_KEY_PREFIX: uniqueRedisPrefix() } });
    try {
      const { status, body } = await eventually(
        () => ready(gw.url),
        (r) => r.body.details.redis?.status === 'up',
      );
      expect(status).toBe(200);
      expect(body.details).toMatchObject({ event_store: { status: 'up' }, redis: { status: 'up' } });
    } finally {
      await gw.close();
    }
  });

  it('with nothing answering at REDIS_URL, stays 200 and shows Redis degraded with what it means for limits', async () => {
    const gw = await startGateway({ config: limited, env: { REDIS_URL: `redis://127.0.0.1:${await freePort()}` } });
    try {
      const { status, body } = await ready(gw.url);
      expect(status).toBe(200);
      expect(body.status).toBe('ok');
      expect(body.details.redis).toEqual({
        status: 'degraded',
        message: expect.stringContaining('requests of clients with limits are refused meanwhile (limits.on_redis_error: deny)'),
      });
    } finally {
      await gw.close();
    }
  });
});

describe('/health/ready with the event store unreachable from the start', () => {
  let dir: string;
  let gateway: Child | undefined;
  afterEach(async () => {
    await gateway?.stop();
    gateway = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('listens, says live, and answers 503: no projection yet, the store does not answer', async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-unreachable-'));
    writeFileSync(join(dir, 'gateway.yaml'), stringify(config));
    // Nothing listens on this port: a PostgreSQL store that is down (the adapter keeps retrying).
    const port = await freePort();
    gateway = runEntry(
      'src/gateway/main.ts',
      childEnv({
        SWITCHBOARD_CONFIG: join(dir, 'gateway.yaml'),
        EVENT_STORE_URL: `postgres://postgres@127.0.0.1:${port}/switchboard`,
        PORT: '0',
        HOST: '127.0.0.1',
      }),
    );
    const [, bound] = await gateway.waitFor(/listening on (\S+)/, 60_000);
    expect((await fetch(`http://${bound}/health/live`)).status).toBe(200);
    const { status, body } = await ready(`http://${bound}`);
    expect(status).toBe(503);
    expect(body).toMatchObject({ status: 'error', details: { event_store: { status: 'down' }, projections: { status: 'down' } } });
  });
});
