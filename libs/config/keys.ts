import { readFileSync } from 'node:fs';
import type { ProviderProfile } from './config.types';

/** A key of a keys file with its 1-based line number (for config problems that say where). */
export interface KeysFileEntry {
  key: string;
  line: number;
}

/** One key per line; `#` lines and blank lines are skipped; surrounding whitespace is not part of a key. */
export function keysFileEntries(text: string): KeysFileEntry[] {
  return text
    .split(/\r?\n/)
    .map((line, i) => ({ key: line.trim(), line: i + 1 }))
    .filter(({ key }) => key !== '' && !key.startsWith('#'));
}

export function parseKeysFile(text: string): string[] {
  return keysFileEntries(text).map((entry) => entry.key);
}

/** The entries of a keys file; a missing file has none (it may appear later), other read errors throw. */
export function readKeysFileEntries(path: string): KeysFileEntry[] {
  try {
    return keysFileEntries(readFileSync(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** The union of a profile's `keys:` and its keys file (a missing file contributes nothing), deduplicated. */
export function readProfileKeys(profile: ProviderProfile): string[] {
  const fromFile = profile.keysFile ? readKeysFileEntries(profile.keysFile).map((entry) => entry.key) : [];
  return [...new Set([...profile.keys, ...fromFile])];
}
