import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprint } from '@switchboard/domain';
import { startGateway, type StartedGateway } from '../../support/start-gateway';
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
