import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprint } from '@switchboard/domain';
import { SqliteEventStore, type RecordedEvent } from '@switchboard/event-store';
import { CapturingLogger } from '../../support/capturing-logger';
import { eventually } from '../../support/eventually';
import { reply, startScriptedUpstream, type ScriptedUpstream } from '../../support/scripted-upstream';
import { startGateway, type StartedGateway } from '../../support/start-gateway';

/** Every way a secret gets in: `keys:` in the config, a `${ENV}` in it, a keys file. Distinct tails, so a masked echo is caught too. */
const SECRETS = {
  config: 'sk-cfg-Q7mZ2xW9vR4tL8nB3kJ6hF1d',
  env: 'sk-env-Hk3Nw8Pq2Zr6Ty9Lm4Vb7Xc1s',
  file: 'sk-file-Bv5Tc8Mx2Qn7Ls4Kj9Wd3Rg6',
  removed: 'sk-gone-Zp4Fy7Hc1Nq8Vt3Mk6Lw9Bx2',
  limited: 'sk-lim-Ds6Gq9Wn3Ht7Pk2Vz5Mc8Ry1',
};
const fp = Object.fromEntries(Object.entries(SECRETS).map(([name, secret]) => [name, fingerprint(secret)])) as Record<
  keyof typeof SECRETS,
  string
>;

interface KeyRow {
  fingerprint: string;
  state: string;
  lastProbe?: { ok: boolean; latencyMs?: number };
}

describe('no secret leaves the vault', () => {
  const logger = new CapturingLogger();
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(`${warning.name} ${warning.message}`);
  let upstream: ScriptedUpstream;
  let gw: StartedGateway;
  let keysDir: string;
  /** What each surface said, by name, for the scan at the end. */
  const seen = new Map<string, string>();

  const text = async (path: string, init?: RequestInit) => {
    const res = await fetch(gw.url + path, init);
    const body = await res.text();
    const surface = `${init?.method ?? 'GET'} ${path}`;
    seen.set(surface, `${seen.get(surface) ?? ''}\n${res.status} ${JSON.stringify([...res.headers])} ${body}`);
    return { status: res.status, headers: res.headers, body };
  };
  const keys = async (): Promise<KeyRow[]> => (JSON.parse((await text('/admin/keys')).body) as { keys: KeyRow[] }).keys;
  const stateOf = (rows: KeyRow[], name: keyof typeof SECRETS) => rows.find((k) => k.fingerprint === fp[name])?.state;
  const chat = (model: string) =>
    text('/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    });
  const history = async (name: keyof typeof SECRETS) =>
    (JSON.parse((await text(`/admin/keys/${fp[name]}/history`)).body) as { events: Array<{ type: string }> }).events.map((e) => e.type);

  beforeAll(async () => {
    process.on('warning', onWarning);
    upstream = await startScriptedUpstream();
    upstream.always(SECRETS.config, reply.rateLimited(3600));
    upstream.always(SECRETS.env, reply.unauthorized());
    upstream.always(SECRETS.limited, reply.rateLimited(3600));
    keysDir = mkdtempSync(join(tmpdir(), 'switchboard-secrets-'));
    writeFileSync(join(keysDir, 'openai_main.keys'), `# team keys\n${SECRETS.file}\n${SECRETS.removed}\n`);
    gw = await startGateway({
      config: {
        providers: {
          openai_main: {
            type: 'openai',
            base_url: upstream.baseUrl,
            keys: [SECRETS.config, '${SWITCHBOARD_SECRETS_E2E_KEY}'],
            keys_file: join(keysDir, 'openai_main.keys'),
            probe_interval_ms: 300,
          },
          limited: { type: 'openai', base_url: upstream.baseUrl, keys: [SECRETS.limited] },
        },
        models: {
          'main-gpt': { chain: [{ provider: 'openai_main', model: 'gpt-4o' }] },
          'limited-gpt': { chain: [{ provider: 'limited', model: 'gpt-4o' }] },
        },
        keeper: { enabled: true, probe_interval_ms: 60_000, restore_check_ms: 100 },
      },
      env: { SWITCHBOARD_SECRETS_E2E_KEY: SECRETS.env },
      logger,
    });
  });
  afterAll(async () => {
    process.off('warning', onWarning);
    await gw?.close();
    await upstream?.close();
    rmSync(keysDir, { recursive: true, force: true });
  });

  it('registers the keys of every source by fingerprint', async () => {
    const rows = await keys();
    for (const name of ['config', 'env', 'file', 'removed', 'limited'] as const) expect(stateOf(rows, name)).toBe('available');
  });

  it('quarantines on a 429 and retires on a 401, answering the client from a good key', async () => {
    const rows = await eventually(
      async () => {
        expect((await chat('main-gpt')).status).toBe(200);
        return keys();
      },
      (r) => stateOf(r, 'config') === 'quarantined' && stateOf(r, 'env') === 'retired',
    );
    expect(stateOf(rows, 'config')).toBe('quarantined');
    expect(stateOf(rows, 'env')).toBe('retired');
  });

  it('shows the last probe of a working key in /admin/keys, without an event', async () => {
    const rows = await eventually(keys, (r) => r.find((k) => k.fingerprint === fp.file)?.lastProbe?.ok === true);
    expect(rows.find((k) => k.fingerprint === fp.file)?.lastProbe).toMatchObject({ ok: true, latencyMs: expect.any(Number) });
    expect(await history('file')).not.toContain('ProbeSucceeded');
  });

  it('removes a key whose line left the keys file', async () => {
    writeFileSync(join(keysDir, 'openai_main.keys'), `# team keys\n${SECRETS.file}\n`);
    const rows = await eventually(keys, (r) => stateOf(r, 'removed') === 'removed');
    expect(stateOf(rows, 'removed')).toBe('removed');
  });

  it('answers 503 with every attempt and a Retry-After when the whole chain cools down', async () => {
    const first = await chat('limited-gpt');
    expect(first.status).toBe(503);
    expect(first.body).toContain(fp.limited);
    const again = await chat('limited-gpt');
    expect(again.status).toBe(503);
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('shows no secret in the store file, the events, the logs or any response, where the fingerprints are', async () => {
    // Every GET route the OpenAPI document lists under /admin, for every key, now and in the past.
    const doc = JSON.parse((await text('/docs-json')).body) as { paths: Record<string, Record<string, unknown>> };
    const adminGets = Object.entries(doc.paths)
      .filter(([path, ops]) => path.startsWith('/admin') && 'get' in ops)
      .map(([path]) => path);
    expect(adminGets).toEqual(expect.arrayContaining(['/admin/keys', '/admin/keys/{fingerprint}/history', '/admin/providers']));
    for (const path of adminGets) {
      for (const key of Object.values(fp)) await text(path.replace('{fingerprint}', key).replace(/\{[^}]+\}/g, 'x'));
    }
    await text(`/admin/keys?at=${encodeURIComponent(new Date().toISOString())}`);
    await text(`/admin/providers?at=${encodeURIComponent(new Date().toISOString())}`);
    await text('/metrics');
    await text('/health/ready');

    const store = new SqliteEventStore(gw.storePath);
    const events: RecordedEvent[] = [];
    for await (const event of store.readAll()) events.push(event);
    await store.close();
    const storeBytes = Buffer.concat(
      [gw.storePath, `${gw.storePath}-wal`].filter((file) => existsSync(file)).map((file) => readFileSync(file)),
    ).toString('latin1');

    const surfaces: Record<string, string> = {
      'events.db and events.db-wal': storeBytes,
      'events from readAll': JSON.stringify(events, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value)),
      logs: [...logger.lines, ...warnings].join('\n'),
      ...Object.fromEntries(seen),
    };
    for (const [surface, content] of Object.entries(surfaces)) {
      for (const [name, secret] of Object.entries(SECRETS)) {
        expect({ surface, name, leaked: content.includes(secret) || content.includes(secret.slice(-16)) }).toEqual({
          surface,
          name,
          leaked: false,
        });
      }
    }

    // The scan reads real data: the fingerprints are there.
    for (const surface of ['events.db and events.db-wal', 'events from readAll', 'logs', 'GET /admin/keys']) {
      for (const name of ['config', 'env', 'file', 'removed'] as const)
        expect({ surface, name, found: surfaces[surface].includes(fp[name]) }).toEqual({ surface, name, found: true });
    }
    expect(surfaces['POST /v1/chat/completions']).toContain(fp.limited);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['KeyRegistered', 'KeyQuarantined', 'KeyRetired', 'KeyRemoved']));
    expect(logger.lines.length).toBeGreaterThan(0);
  });
});
