import { watch, type FSWatcher } from 'chokidar';
import { dirname, resolve } from 'node:path';
import type { GatewayConfig } from './config.types';
import { readProfileKeys } from './keys';

export interface KeysWatcher {
  /** Resolves once the watcher is ready to see changes, or once it is closed (chokidar never gets ready then). */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

export interface WatchKeyFilesOptions {
  debounceMs?: number;
  /**
   * A keys file that changed but cannot be read (EACCES, a directory in its place): the profile's
   * keys stay as they were. Gets the error's code only, never its text. Defaults to a process warning.
   */
  onError?: (profile: string, file: string, code: string) => void;
}

/**
 * Calls `onChange(profile, secrets)` whenever a profile's keys file is created, changed or
 * deleted. Directories are watched (not files) so a file that does not exist yet is seen when it
 * appears; bursts of writes from editors are debounced.
 */
export function watchKeyFiles(
  config: GatewayConfig,
  onChange: (profile: string, secrets: string[]) => void,
  opts: WatchKeyFilesOptions = {},
): KeysWatcher {
  const byFile = new Map<string, string[]>();
  for (const profile of Object.values(config.providers)) {
    if (!profile.keysFile) continue;
    const file = resolve(profile.keysFile);
    byFile.set(file, [...(byFile.get(file) ?? []), profile.name]);
  }
  if (byFile.size === 0) return { ready: Promise.resolve(), close: async () => undefined };

  const debounceMs = opts.debounceMs ?? 100;
  const onError =
    opts.onError ??
    ((profile: string, file: string, code: string) =>
      process.emitWarning(`keys file ${file} of ${profile} could not be read (${code}): its keys stay as they were`, {
        code: 'SWITCHBOARD_KEYS_FILE_UNREADABLE',
      }));
  // Runs in a timer: a throw here would be an uncaught exception that ends the process.
  const report = (name: string, file: string) => {
    let secrets: string[];
    try {
      secrets = readProfileKeys(config.providers[name]);
    } catch (err) {
      onError(name, file, (err as NodeJS.ErrnoException).code ?? (err as Error).name ?? 'unknown');
      return;
    }
    onChange(name, secrets);
  };
  const timers = new Map<string, NodeJS.Timeout>();
  const fire = (file: string) => {
    clearTimeout(timers.get(file));
    timers.set(
      file,
      setTimeout(() => {
        timers.delete(file);
        for (const name of byFile.get(file) ?? []) report(name, file);
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
  let settle: () => void = () => undefined;
  const ready = new Promise<void>((res) => (settle = res));
  watcher.once('ready', () => settle());
  return {
    ready,
    close: async () => {
      for (const t of timers.values()) clearTimeout(t);
      await watcher.close();
      settle();
    },
  };
}
