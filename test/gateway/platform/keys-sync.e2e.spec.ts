import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprint } from '@switchboard/domain';
import { startGateway, type StartedGateway } from '../../support/start-gateway';
import { CapturingLogger } from '../../support/capturing-logger';
import { eventually } from '../../support/eventually';

const KEY1 = 'sk-sync-one-11111111111111';
const KEY2 = 'sk-sync-two-22222222222222';
const KEY3 = 'sk-sync-three-333333333333';

describe('keys file sync', () => {
  let gw: StartedGateway;
  let keysDir: string;
  const file = () => join(keysDir, 'openai_main.keys');
  const keys = async () =>
    ((await (await fetch(`${gw.url}/admin/keys?provider=openai_main`)).json()) as { keys: Array<{ fingerprint: string; state: string }> })
      .keys;
  const stateOf = (list: Array<{ fingerprint: string; state: string }>, secret: string) =>
    list.find((k) => k.fingerprint === fingerprint(secret))?.state;
  const history = async (secret: string) =>
    ((await (await fetch(`${gw.url}/admin/keys/${fingerprint(secret)}/history`)).json()) as { events: Array<{ type: string }> }).events.map(
      (e) => e.type,
    );

  beforeAll(async () => {
    keysDir = mkdtempSync(join(tmpdir(), 'switchboard-keys-'));
    writeFileSync(file(), `# team keys\n${KEY1}\n\n${KEY2}\n`);
    gw = await startGateway({
      config: {
        providers: { openai_main: { type: 'openai', base_url: 'http://127.0.0.1:9/v1' } },
        models: { 'main-gpt': { chain: [{ provider: 'openai_main', model: 'gpt-4o' }] } },
        keeper: { enabled: false },
      },
      keysDir,
    });
  });
  afterAll(async () => {
    await gw.close();
    rmSync(keysDir, { recursive: true, force: true });
  });

  it('registers every key of the file at start (comments and blank lines skipped)', async () => {
    const list = await keys();
    expect(list.map((k) => k.fingerprint).sort()).toEqual([fingerprint(KEY1), fingerprint(KEY2)].sort());
    expect(list.every((k) => k.state === 'available')).toBe(true);
  });

  it('a line added to the file becomes KeyRegistered', async () => {
    appendFileSync(file(), `${KEY3}\n`);
    const list = await eventually(keys, (l) => stateOf(l, KEY3) === 'available');
    expect(stateOf(list, KEY3)).toBe('available');
    expect(await history(KEY3)).toEqual(['KeyRegistered']);
  });

  it('a line removed from the file becomes KeyRemoved', async () => {
    writeFileSync(file(), `# team keys\n${KEY1}\n${KEY3}\n`);
    const list = await eventually(keys, (l) => stateOf(l, KEY2) === 'removed');
    expect(stateOf(list, KEY2)).toBe('removed');
    expect(stateOf(list, KEY1)).toBe('available');
    expect(await history(KEY2)).toEqual(['KeyRegistered', 'KeyRemoved']);
  });

  it('a key put back after removal is registered again', async () => {
    appendFileSync(file(), `${KEY2}\n`);
    const list = await eventually(keys, (l) => stateOf(l, KEY2) === 'available');
    expect(stateOf(list, KEY2)).toBe('available');
    expect(await history(KEY2)).toEqual(['KeyRegistered', 'KeyRemoved', 'KeyRegistered']);
  });

  it('a restart against the same store changes nothing when the file did not change', async () => {
    const before = await Promise.all([KEY1, KEY2, KEY3].map(history));
    const again = await startGateway({
      config: {
        providers: { openai_main: { type: 'openai', base_url: 'http://127.0.0.1:9/v1' } },
        models: {},
        keeper: { enabled: false },
      },
      keysDir,
      env: { EVENT_STORE_URL: `sqlite:${gw.storePath}` },
    });
    try {
      const res = await fetch(`${again.url}/admin/keys?provider=openai_main`);
      const list = ((await res.json()) as { keys: Array<{ fingerprint: string; state: string }> }).keys;
      expect(list.filter((k) => k.state === 'available')).toHaveLength(3);
      expect(await Promise.all([KEY1, KEY2, KEY3].map(history))).toEqual(before);
    } finally {
      await again.close();
    }
  });
});

describe('a key belongs to one profile', () => {
  const SHARED = 'sk-sync-shared-4444444444444';
  const A_OWN = 'sk-sync-a-own-55555555555555';
  const B_OWN = 'sk-sync-b-own-66666666666666';
  const config = {
    providers: {
      a: { type: 'openai', base_url: 'http://127.0.0.1:9/v1' },
      b: { type: 'openai', base_url: 'http://127.0.0.1:9/v1' },
    },
    models: {},
    keeper: { enabled: false },
  };
  let keysDir: string;
  let gw: StartedGateway;
  let stopped = false;
  const logger = new CapturingLogger();
  const keysOf = async (target: StartedGateway, profile: string) =>
    (
      (await (await fetch(`${target.url}/admin/keys?provider=${profile}`)).json()) as {
        keys: Array<{ fingerprint: string; state: string }>;
      }
    ).keys;
  const available = (list: Array<{ fingerprint: string; state: string }>) =>
    list
      .filter((k) => k.state === 'available')
      .map((k) => k.fingerprint)
      .sort();
  const history = async (secret: string) =>
    (
      (await (await fetch(`${gw.url}/admin/keys/${fingerprint(secret)}/history`)).json()) as {
        events: Array<{ type: string; data: { provider?: string } }>;
      }
    ).events.map((e) => (e.data.provider ? `${e.type}(${e.data.provider})` : e.type));

  beforeAll(async () => {
    keysDir = mkdtempSync(join(tmpdir(), 'switchboard-keys-'));
    writeFileSync(join(keysDir, 'a.keys'), `${A_OWN}\n${SHARED}\n`);
    writeFileSync(join(keysDir, 'b.keys'), `${B_OWN}\n`);
    gw = await startGateway({ config, keysDir, logger });
  });
  afterAll(async () => {
    if (!stopped) await gw.close({ keep: true });
    rmSync(gw.dir, { recursive: true, force: true });
    rmSync(keysDir, { recursive: true, force: true });
  });

  it('is refused at start when two profiles list it, by where it appears and never by its text', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-keys-'));
    writeFileSync(join(dir, 'a.keys'), `${SHARED}\n`);
    writeFileSync(join(dir, 'b.keys'), `# b\n${SHARED}\n`);
    try {
      const started = startGateway({ config, keysDir: dir });
      await expect(started).rejects.toThrow(
        /providers\.b\.keys_file line 2: the same key is already in providers\.a\.keys_file line 1 \(a key belongs to one profile\)/,
      );
      await expect(started).rejects.not.toThrow(SHARED);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stays with its profile when an edit lists it in a second one too, with a warning naming fingerprints only', async () => {
    writeFileSync(join(keysDir, 'b.keys'), `${B_OWN}\n${SHARED}\n`);
    const warning = `keys of b: ${fingerprint(SHARED)} is already a key of a and stays there`;
    await eventually(
      () => logger.lines,
      (lines) => lines.some((line) => line.includes(warning)),
    );
    expect(logger.lines.filter((line) => line.includes(warning))).toHaveLength(1);
    expect(available(await keysOf(gw, 'a'))).toEqual([fingerprint(A_OWN), fingerprint(SHARED)].sort());
    expect(available(await keysOf(gw, 'b'))).toEqual([fingerprint(B_OWN)]);
    expect(await history(SHARED)).toEqual(['KeyRegistered(a)']);
  });

  it('moves to the second profile once the first lets it go', async () => {
    writeFileSync(join(keysDir, 'a.keys'), `${A_OWN}\n`);
    const b = await eventually(
      () => keysOf(gw, 'b'),
      (list) => available(list).includes(fingerprint(SHARED)),
    );
    expect(available(b)).toEqual([fingerprint(B_OWN), fingerprint(SHARED)].sort());
    expect(await history(SHARED)).toEqual(['KeyRegistered(a)', 'KeyRemoved', 'KeyRegistered(b)']);
    expect(logger.lines.join('\n')).not.toMatch(/sk-sync-/);
  });

  it('of a profile taken out of the config is removed at the next start, the others left as they are', async () => {
    await gw.close({ keep: true });
    stopped = true;
    const again = await startGateway({
      config: { ...config, providers: { b: config.providers.b } },
      keysDir,
      env: { EVENT_STORE_URL: `sqlite:${gw.storePath}` },
    });
    try {
      const a = await keysOf(again, 'a');
      expect(a).toEqual([expect.objectContaining({ fingerprint: fingerprint(A_OWN), state: 'removed' })]);
      expect(available(await keysOf(again, 'b'))).toEqual([fingerprint(B_OWN), fingerprint(SHARED)].sort());
    } finally {
      await again.close();
    }
  });
});
