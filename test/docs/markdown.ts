import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

export const readDoc = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

/** The cells of every table row of a Markdown text (header and separator rows included). */
export function tableRows(markdown: string): string[][] {
  return markdown
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) =>
      line
        .split(/(?<!\\)\|/)
        .slice(1, -1)
        .map((cell) => cell.replace(/\\\|/g, '|').trim()),
    );
}

/** The `code` spans of a cell, in order. */
export const codeSpans = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);

/** Files under `dir` (relative to the repository) whose name matches, recursively; no node_modules. */
export function filesUnder(dir: string, name: RegExp): string[] {
  const found: string[] = [];
  const walk = (at: string): void => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (name.test(entry.name)) found.push(relative(ROOT, path));
    }
  };
  walk(join(ROOT, dir));
  return found.sort();
}
