import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The recorded fixtures of one folder (a provider's or a dialect's `fixtures/`): the one way a
 * fixture-driven spec reads its cases, so every `it.each` row stands for a file in that folder.
 */
export interface FixtureFolder {
  /** The file's text. */
  text(name: string): string;
  json<T = Record<string, unknown>>(name: string): T;
  exists(name: string): boolean;
  /** The file names ending in `suffix`, sorted. */
  files(suffix: string): string[];
  /** The same files' names without `suffix`: the case names, for finding a case's other files. */
  names(suffix: string): string[];
}

export function fixturesIn(dir: string): FixtureFolder {
  const text = (name: string) => readFileSync(join(dir, name), 'utf8');
  const files = (suffix: string) =>
    readdirSync(dir)
      .filter((file) => file.endsWith(suffix))
      .sort();
  return {
    text,
    json: <T>(name: string) => JSON.parse(text(name)) as T,
    exists: (name) => existsSync(join(dir, name)),
    files,
    names: (suffix) => files(suffix).map((file) => file.slice(0, -suffix.length)),
  };
}
