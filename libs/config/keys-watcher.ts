import { watch, type FSWatcher } from 'chokidar';
import { dirname, resolve } from 'node:path';
import type { GatewayConfig } from './config.types';
import { readProfileKeys } from './keys';

export interface KeysWatcher {
  /** Resolves once the watcher is ready to see changes. */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * Calls `onChange(profile, secrets)` whenever a profile's keys file is created, changed or
 * deleted. Directories are watched (not files) so a file that does not exist yet is seen when it
 * appears; bursts of writes from editors are debounced.
 */
export function watchKeyFiles(
  config: GatewayConfig,
  onChange: (profile: string, secrets: string[]) => void,
  opts: { debounceMs?: number } = {},
): KeysWatcher {
  const byFile = new Map<string, string[]>();
  for (const profile of Object.values(config.providers)) {
    if (!profile.keysFile) continue;
    const file = resolve(profile.keysFile);
    byFile.set(file, [...(byFile.get(file) ?? []), profile.name]);
  }
  if (byFile.size === 0) return { ready: Promise.resolve(), close: async () => undefined };

  const debounceMs = opts.debounceMs ?? 100;
  const timers = new Map<string, NodeJS.Timeout>();
  const fire = (file: string) => {
    clearTimeout(timers.get(file));
    timers.set(
      file,
      setTimeout(() => {
        timers.delete(file);
        for (const name of byFile.get(file) ?? []) onChange(name, readProfileKeys(config.providers[name]));
      }, debounceMs),
    );
  };

  const dirs = [...new Set([...byFile.keys()].map((f) => dirname(f)))];
  const watcher: FSWatcher = watch(dirs, { ignoreInitial: true, depth: 0 });
  const onEvent = (path: string) => {
    const file = resolve(path);
    if (byFile.has(file)) fire(file);
  };
  watcher.on('add', onEvent).on('change', onEvent).on('unlink', onEvent);
  const ready = new Promise<void>((res) => watcher.once('ready', () => res()));
  return {
    ready,
    close: async () => {
      for (const t of timers.values()) clearTimeout(t);
      await watcher.close();
    },
  };
}
