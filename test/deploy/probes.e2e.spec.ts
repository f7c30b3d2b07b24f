import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '@switchboard/config';
import { createKeeper } from '../../src/keeper/main';
import { createToolServer, type RunningToolServer } from '../../src/tool-server/main';
import { describeWithNats, NATS_URL, uniquePrefix } from '../react/support/nats';
import { toolsConfig } from '../react/support/tools-config';

/** deploy/k8s probes every app at /health/live and /health/ready: the keeper and the tool server serve them too. */
describe('the standalone keeper with PORT set', () => {
  let dir: string;
  let keeper: INestApplicationContext;
  let url: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-keeper-probes-'));
    const env = { EVENT_STORE_URL: `sqlite:${join(dir, 'events.db')}` };
    const config = loadConfig({
      text: 'providers: { mock: { type: mock } }\nmodels: { m: { chain: [{ provider: mock, model: mock-1 }] } }\n',
      path: join(dir, 'gateway.yaml'),
      env,
      cwd: join(__dirname, '../..'),
    });
    keeper = await createKeeper({ config, env, port: 0, host: '127.0.0.1', logger: false });
    const { port } = (keeper as NestFastifyApplication).getHttpServer().address() as AddressInfo;
    url = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await keeper?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers /health/live', async () => {
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
  });

  it('answers /health/ready with its event store and projections', async () => {
    const res = await fetch(`${url}/health/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', details: { event_store: { status: 'up' }, projections: { status: 'up' } } });
  });
});

describeWithNats('the tool server', () => {
  let server: RunningToolServer;

  beforeAll(async () => {
    server = await createToolServer(
      { tools: toolsConfig() },
      { natsUrl: NATS_URL, port: 0, host: '127.0.0.1', subjectPrefix: uniquePrefix(), logger: false },
    );
  });
  afterAll(() => server?.close());

  it('answers /health/live', async () => {
    expect((await fetch(`${server.url}/health/live`)).status).toBe(200);
  });

  it('answers /health/ready with its NATS connection', async () => {
    const res = await fetch(`${server.url}/health/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', details: { nats: { status: 'up' } } });
  });
});
