import { join } from 'node:path';
import { CommandBus } from '@nestjs/cqrs';
import { fingerprint } from '@switchboard/domain';
import { DomainCommand } from '../../src/gateway/core/commands';
import { eventually, waitFor } from '../support/eventually';
import { reply, startScriptedUpstream, type ScriptedUpstream } from '../support/scripted-upstream';
import { startGateway, type StartedGateway } from '../support/start-gateway';
import { childEnv, runEntry, type Child } from './fixtures/child-process';

const DEAD = 'sk-standalone-dead-00000000001';
const GOOD = 'sk-standalone-good-00000000002';

interface KeyRow {
  fingerprint: string;
  state: string;
}

/**
 * The gateway in this process and `src/keeper/main.ts` in a child, on one SQLite file: the
 * deployment of docker-compose.yml (there on EventStoreDB), with the config file both read.
 */
describe('a standalone keeper beside the gateway', () => {
  let upstream: ScriptedUpstream;
  let gw: StartedGateway | undefined;
  let keeper: Child | undefined;

  const start = async (keeperInGateway: boolean) => {
    gw = await startGateway({
      config: {
        providers: { openai_main: { type: 'openai', base_url: upstream.baseUrl, keys: [DEAD, GOOD], probe_interval_ms: 300 } },
        models: { 'main-gpt': { chain: [{ provider: 'openai_main', model: 'gpt-4o' }] } },
        keeper: { enabled: keeperInGateway, probe_interval_ms: 60_000, restore_check_ms: 50 },
      },
    });
    keeper = runEntry(
      'src/keeper/main.ts',
      childEnv({ SWITCHBOARD_CONFIG: join(gw.dir, 'gateway.yaml'), EVENT_STORE_URL: `sqlite:${gw.storePath}` }),
    );
    await keeper.waitFor(/keeper running/, 60_000);
    return gw;
  };
  const keys = async (): Promise<KeyRow[]> =>
    ((await (await fetch(`${gw!.url}/admin/keys?provider=openai_main`)).json()) as { keys: KeyRow[] }).keys;
  const history = async (secret: string) =>
    (
      (await (await fetch(`${gw!.url}/admin/keys/${fingerprint(secret)}/history`)).json()) as { events: Array<{ type: string }> }
    ).events.map((e) => e.type);

  beforeEach(async () => {
    upstream = await startScriptedUpstream();
    upstream.always(DEAD, reply.unauthorized());
  });
  afterEach(async () => {
    await keeper?.stop();
    await gw?.close();
    await upstream.close();
    keeper = gw = undefined;
  });

  it('retires a key whose probe answers 401, and the gateway never sends it a request', async () => {
    const gateway = await start(false);

    const rows = await eventually(keys, (r) => r.find((k) => k.fingerprint === fingerprint(DEAD))?.state === 'retired', 20_000);
    expect(rows.find((k) => k.fingerprint === fingerprint(DEAD))?.state).toBe('retired');
    expect(await history(DEAD)).toEqual(['KeyRegistered', 'ProbeFailed', 'KeyRetired']);

    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'main-gpt', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-switchboard-key')).toBe(fingerprint(GOOD));
    }
    // Only the keeper's probe ever reached the upstream with the dead key.
    expect(upstream.callsFor(DEAD).map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/models']);
    expect(keeper!.process.exitCode).toBeNull();
  }, 90_000);

  it('restores an expired quarantine exactly once, with the keeper in the gateway racing the standalone one', async () => {
    // Its probes fail until the deadline, so only the deadline may end the quarantine; after it they
    // succeed (a failing probe after the deadline is the half-open key's failed trial: a new quarantine).
    let until = new Date(Date.now() + 60_000);
    upstream.always(
      GOOD,
      reply.fn(() => (Date.now() < until.getTime() ? reply.serverError(503) : reply.auto())),
    );
    const gateway = await start(true);
    until = new Date(Date.now() + 2_000);
    await gateway.app.get(CommandBus).execute(
      new DomainCommand({
        type: 'QuarantineKey',
        data: { fingerprint: fingerprint(GOOD), reason: 'upstream_error', until: until.toISOString(), status: 503 },
      }),
    );

    await eventually(
      () => history(GOOD),
      (types) => types.includes('KeyRestored'),
      20_000,
    );
    // A second restore would come from a keeper still acting on the quarantine. The keepers' probe
    // rounds go on (one round per interval across both, by the probe claim; GOOD answers them now,
    // which appends nothing): two probes after the restore show their loops ran on past it, and
    // whatever was in flight at the restore has been appended before them.
    const probesAtRestore = upstream.callsFor(GOOD).length;
    await waitFor('two probe rounds after the restore', () => upstream.callsFor(GOOD).length >= probesAtRestore + 2, 20_000);
    const transitions = (await history(GOOD)).filter((t) => t !== 'ProbeFailed' && t !== 'ProbeSucceeded');
    expect(transitions).toEqual(['KeyRegistered', 'KeyQuarantined', 'KeyRestored']);
    expect(keeper!.process.exitCode).toBeNull();
  }, 90_000);
});
