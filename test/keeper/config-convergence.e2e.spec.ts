import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fingerprint } from '@switchboard/domain';
import { stringify } from 'yaml';
import { CapturingLogger } from '../support/capturing-logger';
import { eventually } from '../support/eventually';
import { reply, startScriptedUpstream, type ScriptedUpstream } from '../support/scripted-upstream';
import { startGateway, type StartedGateway } from '../support/start-gateway';
import { childEnv, runEntry, type Child } from './fixtures/child-process';

jest.setTimeout(120_000);

const SHARED = 'sk-converge-shared-000000000001';
const DROPPED = 'sk-converge-dropped-00000000002';
/** Only in the keeper's file: the gateway never learns its secret, and must not remove it. */
const KEEPER_ONLY = 'sk-converge-keeper-only-0000003';
/** Added later through PUT /admin/config as `${LATE_KEY}`: every process resolves it from its env. */
const LATE = 'sk-converge-late-0000000000004';
/** Added as `${CONVERGE_OPTIONAL_KEY:-}`: set in every process but one. */
const OPTIONAL = 'sk-converge-optional-000000005';
process.env.CONVERGE_OPTIONAL_KEY = OPTIONAL;

interface KeyRow {
  fingerprint: string;
  provider: string;
  state: string;
}

/**
 * The gateway in this process and `src/keeper/main.ts` in a child, on one SQLite store, started
 * with different config files: the gateway's lists a profile the keeper's does not and lacks one
 * of the keeper's keys. The keeper starts second, so its file is the store's config; neither the
 * key sync of either process nor a restart of the gateway undoes it.
 */
describe('a gateway and a keeper started with different config files', () => {
  let upstream: ScriptedUpstream;
  let gw: StartedGateway | undefined;
  let keeper: Child | undefined;
  const logs = new CapturingLogger();
  let storePath = '';
  let keeperConfig = '';
  /** The first gateway's dir holds the store and the keeper's file: kept across the gateway's restart, removed at the end. */
  let firstDir = '';

  const gatewayFile = () => ({
    providers: {
      kept: { type: 'openai', base_url: upstream.baseUrl, keys: [SHARED], probe_interval_ms: 600_000 },
      dropped: { type: 'openai', base_url: upstream.baseUrl, keys: [DROPPED], probe_interval_ms: 600_000 },
    },
    models: {
      'kept-gpt': { chain: [{ provider: 'kept', model: 'gpt-4o' }] },
      'dropped-gpt': { chain: [{ provider: 'dropped', model: 'gpt-4o' }] },
    },
    keeper: { enabled: false },
  });
  const keeperFile = () => ({
    providers: { kept: { type: 'openai', base_url: upstream.baseUrl, keys: [SHARED, KEEPER_ONLY], probe_interval_ms: 600_000 } },
    models: { 'kept-gpt': { chain: [{ provider: 'kept', model: 'gpt-4o' }] } },
    keeper: { enabled: false, restore_check_ms: 50 },
  });

  const get = async <T>(path: string): Promise<T> => (await (await fetch(`${gw!.url}${path}`)).json()) as T;
  const providers = async () => (await get<{ providers: Array<{ name: string }> }>('/admin/providers')).providers.map((p) => p.name);
  const keys = async () => (await get<{ keys: KeyRow[] }>('/admin/keys')).keys;
  const stateOf = (rows: KeyRow[], secret: string) => rows.find((k) => k.fingerprint === fingerprint(secret))?.state;
  const history = async (secret: string) =>
    (await get<{ events: Array<{ type: string }> }>(`/admin/keys/${fingerprint(secret)}/history`)).events.map((e) => e.type);
  const revisions = async () =>
    (await get<{ changes: Array<{ revision: number; source: string }> }>('/admin/config/history')).changes.map((c) => [
      c.revision,
      c.source,
    ]);

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    upstream.always(LATE, reply.unauthorized());
    gw = await startGateway({ config: gatewayFile(), env: { LATE_KEY: LATE }, logger: logs });
    storePath = gw.storePath;
    firstDir = gw.dir;
    keeperConfig = join(gw.dir, 'keeper.yaml');
    writeFileSync(keeperConfig, stringify(keeperFile()));
    keeper = runEntry(
      'src/keeper/main.ts',
      childEnv({ SWITCHBOARD_CONFIG: keeperConfig, EVENT_STORE_URL: `sqlite:${storePath}`, LATE_KEY: LATE }),
    );
    await keeper.waitFor(/keeper running/, 60_000);
  });
  afterAll(async () => {
    await keeper?.stop();
    await gw?.close();
    await upstream?.close();
    if (firstDir) rmSync(firstDir, { recursive: true, force: true });
  });

  it("converge on the store's config (the keeper's, seeded last): the removed profile leaves /admin/providers, its keys the pool", async () => {
    expect(await revisions()).toEqual([
      [1, 'file'],
      [2, 'file'],
    ]);
    expect(await eventually(providers, (names) => !names.includes('dropped'), 10_000)).toEqual(['kept']);
    const rows = await eventually(keys, (r) => stateOf(r, DROPPED) === 'removed' && stateOf(r, KEEPER_ONLY) === 'available', 10_000);
    expect(rows.filter((k) => k.state !== 'removed').map((k) => [k.provider, k.fingerprint])).toEqual(
      expect.arrayContaining([
        ['kept', fingerprint(SHARED)],
        ['kept', fingerprint(KEEPER_ONLY)],
      ]),
    );
    expect(rows.filter((k) => k.state !== 'removed')).toHaveLength(2);
    // The removed key's history stays readable.
    expect(await history(DROPPED)).toEqual(['KeyRegistered', 'KeyRemoved']);
    // The gateway routes by the store's config too: the removed profile's alias is gone.
    const res = await fetch(`${gw!.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'dropped-gpt', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(404);
    // An admin command on the removed profile is a 404, as for one never configured.
    expect((await fetch(`${gw!.url}/admin/providers/dropped/disable`, { method: 'POST' })).status).toBe(404);
  });

  it("a restart of the gateway with its own file changes nothing: the keeper's key stays, the profile stays removed", async () => {
    await gw!.close({ keep: true });
    gw = await startGateway({ config: gatewayFile(), env: { EVENT_STORE_URL: `sqlite:${storePath}`, LATE_KEY: LATE }, logger: logs });
    expect(await revisions()).toEqual([
      [1, 'file'],
      [2, 'file'],
    ]);
    expect(await providers()).toEqual(['kept']);
    const rows = await keys();
    expect(stateOf(rows, KEEPER_ONLY)).toBe('available');
    expect(stateOf(rows, DROPPED)).toBe('removed');
    expect(await history(KEEPER_ONLY)).toEqual(['KeyRegistered']);
  });

  it('the keeper follows a config applied through the gateway without a restart: it probes the new profile and retires its dead key', async () => {
    const current = await get<{ revision: number; config: { providers: Record<string, unknown> } }>('/admin/config');
    const next = {
      ...current.config,
      providers: {
        ...current.config.providers,
        late: { type: 'openai', base_url: upstream.baseUrl, keys: ['${LATE_KEY}'], probe_interval_ms: 300 },
      },
    };
    const put = await fetch(`${gw!.url}/admin/config`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'if-match': `"${current.revision}"` },
      body: JSON.stringify({ config: next }),
    });
    expect(put.status).toBe(200);
    expect(await eventually(providers, (names) => names.includes('late'), 5_000)).toEqual(['kept', 'late']);
    const types = await eventually(
      () => history(LATE),
      (t) => t.includes('KeyRetired'),
      20_000,
    );
    expect(types).toEqual(['KeyRegistered', 'ProbeFailed', 'KeyRetired']);
    // The gateway has it from the store's feed too.
    expect(stateOf(await eventually(keys, (r) => stateOf(r, LATE) === 'retired'), LATE)).toBe('retired');
    expect(upstream.callsFor(LATE).map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/models']);
    expect(keeper!.process.exitCode).toBeNull();
  });

  it("a keeper that cannot apply the store's config (a variable it lacks) leaves keys and profiles alone, though its file differs", async () => {
    const before = await keys();
    // The gateway's file (seeded before, so no seed) lists the removed profile; the store's config needs LATE_KEY.
    const blindConfig = join(gw!.dir, 'blind-keeper.yaml');
    writeFileSync(blindConfig, stringify(gatewayFile()));
    const blind = runEntry('src/keeper/main.ts', childEnv({ SWITCHBOARD_CONFIG: blindConfig, EVENT_STORE_URL: `sqlite:${storePath}` }));
    try {
      await blind.waitFor(/keeper running/, 60_000);
      await blind.waitFor(/cannot be applied in this process/, 10_000);
      expect(await providers()).toEqual(['kept', 'late']);
      expect(await keys()).toEqual(before);
      expect(blind.stdout + blind.stderr).not.toContain(DROPPED);
    } finally {
      await blind.stop();
    }
  });

  it('a keeper with a ${VAR:-} key unset removes none of what the others registered for that profile', async () => {
    const current = await get<{ revision: number; config: { providers: Record<string, unknown> } }>('/admin/config');
    const next = {
      ...current.config,
      providers: {
        ...current.config.providers,
        optional: { type: 'openai', base_url: upstream.baseUrl, keys: ['${CONVERGE_OPTIONAL_KEY:-}'], probe_interval_ms: 600_000 },
      },
    };
    const put = await fetch(`${gw!.url}/admin/config`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'if-match': `"${current.revision}"` },
      body: JSON.stringify({ config: next }),
    });
    expect(put.status).toBe(200);
    expect(stateOf(await keys(), OPTIONAL)).toBe('available');
    const env = childEnv({ SWITCHBOARD_CONFIG: keeperConfig, EVENT_STORE_URL: `sqlite:${storePath}`, LATE_KEY: LATE });
    delete env.CONVERGE_OPTIONAL_KEY;
    const partial = runEntry('src/keeper/main.ts', env);
    try {
      await partial.waitFor(/keeper running/, 60_000);
      await partial.waitFor(/keys of optional: .* removes none of \[/, 10_000);
      expect(stateOf(await keys(), OPTIONAL)).toBe('available');
      expect(await history(OPTIONAL)).toEqual(['KeyRegistered']);
    } finally {
      await partial.stop();
    }
  });

  it('no upstream key appears in a log line of either process', () => {
    for (const secret of [SHARED, DROPPED, KEEPER_ONLY, LATE, OPTIONAL]) {
      expect(logs.lines.filter((l) => l.includes(secret))).toEqual([]);
      expect(keeper!.stdout + keeper!.stderr).not.toContain(secret);
    }
  });
});
