import { readFileSync } from 'node:fs';
import type { ProviderProfile } from './config.types';

/** One key per line; `#` lines and blank lines are skipped; surrounding whitespace is not part of a key. */
export function parseKeysFile(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** The union of a profile's `keys:` and its keys file (a missing file contributes nothing), deduplicated. */
export function readProfileKeys(profile: ProviderProfile): string[] {
  const fromFile = profile.keysFile ? readKeysFile(profile.keysFile) : [];
  return [...new Set([...profile.keys, ...fromFile])];
}

function readKeysFile(path: string): string[] {
  try {
    return parseKeysFile(readFileSync(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
