import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, watchKeyFiles, type KeysWatcher } from '@switchboard/config';

describe('watchKeyFiles', () => {
  let watcher: KeysWatcher | undefined;
  afterEach(async () => watcher?.close());

  it('reports the keys of a file as it is created, changed and deleted', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'sb-watch-'));
    writeFileSync(join(cwd, 'gateway.yaml'), 'providers:\n  openai_main: { type: openai }\nmodels: {}\n');
    mkdirSync(join(cwd, 'keys'));
    const config = loadConfig({ path: 'gateway.yaml', cwd, env: {} });
    const seen: string[][] = [];
    let notify: () => void = () => undefined;
    watcher = watchKeyFiles(
      config,
      (profile, secrets) => {
        expect(profile).toBe('openai_main');
        seen.push(secrets);
        notify();
      },
      { debounceMs: 20 },
    );
    await watcher.ready;
    const next = () => new Promise<void>((res) => (notify = res));
    const file = join(cwd, 'keys/openai_main.keys');

    let change = next();
    writeFileSync(file, 'sk-one\n');
    await change;
    change = next();
    writeFileSync(file, 'sk-one\nsk-two\n');
    await change;
    change = next();
    rmSync(file);
    await change;

    expect(seen).toEqual([['sk-one'], ['sk-one', 'sk-two'], []]);
  });

  it('settles `ready` when closed before it was ready, so whoever awaits it (a sync at shutdown) goes on', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'sb-watch-'));
    writeFileSync(join(cwd, 'gateway.yaml'), 'providers:\n  openai_main: { type: openai }\nmodels: {}\n');
    mkdirSync(join(cwd, 'keys'));
    const early = watchKeyFiles(loadConfig({ path: 'gateway.yaml', cwd, env: {} }), () => undefined);
    await early.close();
    await expect(early.ready).resolves.toBeUndefined();
  });

  it('reports a changed file it cannot read instead of throwing from its timer, and keeps watching', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'sb-watch-'));
    writeFileSync(join(cwd, 'gateway.yaml'), 'providers:\n  openai_main: { type: openai }\n  backup: { type: openai }\nmodels: {}\n');
    mkdirSync(join(cwd, 'keys'));
    const file = join(cwd, 'keys/openai_main.keys');
    writeFileSync(file, 'sk-one\n');
    const config = loadConfig({ path: 'gateway.yaml', cwd, env: {} });
    const seen: unknown[] = [];
    let notify: () => void = () => undefined;
    const next = () => new Promise<void>((res) => (notify = res));
    watcher = watchKeyFiles(
      config,
      (profile, secrets) => {
        seen.push({ profile, secrets });
        notify();
      },
      {
        debounceMs: 20,
        onError: (profile, path, code) => {
          seen.push({ profile, path, code });
          notify();
        },
      },
    );
    await watcher.ready;

    // A directory where the file was: reading it fails (EISDIR) the way an unreadable file does (EACCES).
    let change = next();
    rmSync(file);
    mkdirSync(file);
    await change;
    change = next();
    writeFileSync(join(cwd, 'keys/backup.keys'), 'sk-two\n');
    await change;

    expect(seen).toEqual([
      { profile: 'openai_main', path: file, code: 'EISDIR' },
      { profile: 'backup', secrets: ['sk-two'] },
    ]);
  });
});
