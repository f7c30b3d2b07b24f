import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGatewayWithConfig, type Child } from '../../keeper/fixtures/child-process';
import { eventually } from '../../support/eventually';
import { freePort, startPrivateNats, type PrivateNats } from '../../support/private-nats';
import { analyticsPrefixes, startGateway } from '../../support/start-gateway';
import { describeWithNats } from '../../react/support/nats';

/** `src/gateway/main.ts` in a child process whose NATS server went away before the SIGTERM. */
describeWithNats('SIGTERM while NATS is unreachable', () => {
  let nats: PrivateNats;
  let dir: string;
  let gateway: Child | undefined;

  beforeEach(async () => {
    nats = await startPrivateNats();
    dir = mkdtempSync(join(tmpdir(), 'switchboard-shutdown-nats-'));
  });
  afterEach(async () => {
    await gateway?.stop();
    gateway = undefined;
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shuts down cleanly: exit 0 and no unhandled error', async () => {
    const config = {
      providers: { mock: { type: 'mock' } },
      models: { 'mock-fast': { chain: [{ provider: 'mock', model: 'mock-1' }] } },
      keeper: { enabled: false },
    };
    let url: string;
    ({ child: gateway, url } = await runGatewayWithConfig(dir, config, { NATS_URL: nats.url, ...analyticsPrefixes() }));
    await gateway.waitFor(/started: projections caught up/, 60_000);

    await nats.stop();
    const ready = await eventually(
      async () => (await (await fetch(`${url}/health/ready`)).json()) as { details: Record<string, { status: string }> },
      (body) => body.details.nats?.status === 'degraded',
    );
    expect(ready.details.nats.status).toBe('degraded');

    gateway.process.kill('SIGTERM');
    const code = await gateway.exited;
    const output = gateway.stdout + gateway.stderr;
    expect(output).not.toMatch(/ConnectionError|Unhandled|uncaught/i);
    expect(code).toBe(0);
  });
});

describeWithNats('closing an in-process gateway while NATS is unreachable', () => {
  it('resolves: the streams went with the stopped server, nothing is left to clean up', async () => {
    const nats = await startPrivateNats();
    const gw = await startGateway({
      config: { providers: { mock: { type: 'mock' } }, models: { 'mock-fast': { chain: [{ provider: 'mock', model: 'mock-1' }] } } },
      env: { NATS_URL: nats.url },
    });
    try {
      await nats.stop();
      const ready = await eventually(
        async () => (await (await fetch(`${gw.url}/health/ready`)).json()) as { details: Record<string, { status: string }> },
        (body) => body.details.nats?.status === 'degraded',
      );
      expect(ready.details.nats.status).toBe('degraded');
    } finally {
      await expect(gw.close()).resolves.toBeUndefined();
    }
  });
});

/** The same, but NATS was never there: the gateway started without it and is still connecting. */
describe('SIGTERM while NATS has not been reached yet', () => {
  let dir: string;
  let gateway: Child | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-shutdown-nats-late-'));
  });
  afterEach(async () => {
    await gateway?.stop();
    gateway = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('started without it, warned once per connection (no credentials), and shuts down cleanly', async () => {
    const config = {
      providers: { mock: { type: 'mock' } },
      models: { 'mock-fast': { chain: [{ provider: 'mock', model: 'mock-1' }] } },
      keeper: { enabled: false },
    };
    const port = await freePort();
    let url: string;
    ({ child: gateway, url } = await runGatewayWithConfig(dir, config, {
      NATS_URL: `nats://switchboard:hunter2@127.0.0.1:${port}`,
      ...analyticsPrefixes(),
    }));
    await gateway.waitFor(/started: projections caught up/, 60_000);
    const res = await fetch(`${url}/health/ready`);
    const ready = (await res.json()) as { details: Record<string, { status: string }> };
    expect(res.status).toBe(200);
    expect(ready.details).toMatchObject({ nats: { status: 'degraded' }, analytics: { status: 'degraded' } });

    gateway.process.kill('SIGTERM');
    const code = await gateway.exited;
    const output = gateway.stdout + gateway.stderr;
    // One warning from the tool bus's connection, one from the analytics connection: not one per attempt.
    expect(output.match(/NATS at nats:\/\/127\.0\.0\.1:\d+ is not reachable yet/g)).toHaveLength(2);
    expect(output).not.toContain('hunter2');
    expect(output).not.toMatch(/ConnectionError|Unhandled|uncaught/i);
    expect(code).toBe(0);
  });

  it('in process: closing resolves while the connections are still being retried', async () => {
    const gw = await startGateway({
      config: { providers: { mock: { type: 'mock' } }, models: { 'mock-fast': { chain: [{ provider: 'mock', model: 'mock-1' }] } } },
      env: { NATS_URL: `nats://127.0.0.1:${await freePort()}` },
    });
    const res = await fetch(`${gw.url}/health/ready`);
    expect(res.status).toBe(200);
    await expect(gw.close()).resolves.toBeUndefined();
  });
});
