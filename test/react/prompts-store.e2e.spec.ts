import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { eventually } from '../support/eventually';
import { startGateway, type StartedGateway } from '../support/start-gateway';

const PATTERNS = resolve(__dirname, '../../config/patterns');
const ADMIN_KEY = 'sb-admin-prompts-5e0c1a';
const PROMPT = 'You are OTTER.\nTools:\n{{tools}}\nQuestion: {{question}}\n';

/** The shipped patterns copied to a folder made read-only, as the compose file mounts config/. */
function readOnlyPatterns(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ro-patterns-'));
  cpSync(PATTERNS, dir, { recursive: true });
  for (const file of readdirSync(dir)) chmodSync(join(dir, file), 0o444);
  chmodSync(dir, 0o555);
  return dir;
}

const snapshot = (dir: string) => readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]);

describe('prompts live in the event store', () => {
  let dir: string;
  let a: StartedGateway;
  let b: StartedGateway | undefined;
  const config = () => ({
    auth: { admin_keys: [{ name: 'ops-alice', key: ADMIN_KEY }] },
    providers: { mock: { type: 'mock' } },
    models: { 'mock-fast': { chain: [{ provider: 'mock', model: 'mock-1' }] } },
    keeper: { enabled: false },
    react: { patterns_dir: dir },
  });
  const admin = (gw: StartedGateway, path: string, init: RequestInit = {}) =>
    fetch(gw.url + path, { ...init, headers: { 'content-type': 'application/json', 'x-api-key': ADMIN_KEY } });
  const promptOn = async (gw: StartedGateway) =>
    ((await (await admin(gw, '/admin/prompts/basic_react')).json()) as { system_prompt: string }).system_prompt;

  beforeAll(async () => {
    dir = readOnlyPatterns();
    a = await startGateway({ config: config() });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    chmodSync(dir, 0o755);
    rmSync(dir, { recursive: true, force: true });
  });

  it('PUT works with the patterns folder read-only, writes no file, and the other replica uses the new prompt', async () => {
    const before = snapshot(dir);
    b = await startGateway({ config: config(), env: { EVENT_STORE_URL: `sqlite:${a.storePath}` } });
    const res = await admin(a, '/admin/prompts/basic_react', { method: 'PUT', body: JSON.stringify({ system_prompt: PROMPT }) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { system_prompt: string }).system_prompt).toBe(PROMPT);
    expect(snapshot(dir)).toEqual(before);
    expect(
      await eventually(
        () => promptOn(b!),
        (p) => p === PROMPT,
        2_000,
      ),
    ).toBe(PROMPT);
  });

  it('the history says who changed what: the file seed first, then the admin key by name with the diff', async () => {
    const history = (await (await admin(a, '/admin/prompts/basic_react/history')).json()) as {
      changes: Array<{ by: string; source: string; diff: string[] }>;
    };
    expect(history.changes.map((c) => [c.by, c.source])).toEqual([
      ['file', 'file'],
      ['ops-alice', 'admin'],
    ]);
    expect(history.changes[1].diff).toContain('+You are OTTER.');
    expect((await admin(a, '/admin/prompts/nope/history')).status).toBe(404);
  });

  it('the change survives a restart with the file as it was', async () => {
    await b?.close();
    b = undefined;
    await a.close({ keep: true });
    const storePath = a.storePath;
    a = await startGateway({ config: config(), env: { EVENT_STORE_URL: `sqlite:${storePath}` } });
    expect(
      await eventually(
        () => promptOn(a),
        (p) => p === PROMPT,
        5_000,
      ),
    ).toBe(PROMPT);
    rmSync(join(storePath, '..'), { recursive: true, force: true });
  });
});
