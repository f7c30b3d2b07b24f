import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configKeysFromLoader } from './config-keys';
import { codeSpans, filesUnder, readDoc, ROOT, tableRows } from './markdown';

const DOC = 'docs/configuration.md';

/** `providers.<profile>.type` and `providers.<name>.type` are the same key: names are placeholders. */
const placeholders = (path: string): string => path.replace(/<[^>]+>/g, '<name>');

/** The keys documented: the first cell of each table row, when it is a dotted path in code. */
function documentedKeys(): string[] {
  return tableRows(readDoc(DOC))
    .map((cells) => codeSpans(cells[0] ?? '')[0])
    .filter((key): key is string => key !== undefined && /^[a-z_]+(\.|\[\]|$)/.test(key))
    .map(placeholders);
}

/** The text between a line starting with `from` and the next line starting with `to`. */
function between(from: string, to: string): string {
  const text = readDoc(DOC);
  const start = text.indexOf(`\n${from}`);
  const end = text.indexOf(`\n${to}`, start + 1);
  if (start < 0 || end < 0) throw new Error(`${DOC}: no '${from}' followed by '${to}'`);
  return text.slice(start, end);
}

/** The environment variables of a table: `| \`NAME\` |` rows. */
const variablesOf = (markdown: string): string[] =>
  tableRows(markdown)
    .map((cells) => codeSpans(cells[0] ?? '')[0])
    .filter((name): name is string => name !== undefined && /^[A-Z][A-Z0-9_]+$/.test(name))
    .sort();

/**
 * Every environment variable the processes read: `process.env.NAME`, `env.NAME` and `env['NAME']` in
 * the code that ships (src/, libs/; specs and test helpers aside).
 */
function variablesReadByCode(): string[] {
  const names = new Set<string>();
  for (const file of [...filesUnder('src', /\.ts$/), ...filesUnder('libs', /\.ts$/)]) {
    if (/\.spec\.ts$|\.contract\.ts$|\/contract\/|\/testing\//.test(file)) continue;
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const match of text.matchAll(/\benv(?:\.|\[['"])([A-Z][A-Z0-9_]+)/g)) names.add(match[1]);
  }
  return [...names].sort();
}

describe('docs/configuration.md, the configuration reference', () => {
  const loader = configKeysFromLoader();
  const documented = documentedKeys();

  it('documents every key the config loader accepts', () => {
    expect(loader.leaves.length).toBeGreaterThan(40);
    expect(loader.leaves.filter((key) => !documented.includes(key))).toEqual([]);
  });

  it('documents no key the config loader refuses', () => {
    const known = [...loader.leaves, ...loader.mappings];
    expect(documented.filter((key) => !known.includes(key))).toEqual([]);
  });

  it('documents as read by the processes exactly the environment variables the code reads', () => {
    const read = variablesReadByCode();
    expect(read).toEqual(expect.arrayContaining(['EVENT_STORE_URL', 'NATS_URL', 'PORT']));
    expect(variablesOf(between('## Environment variables', 'Used by the shipped'))).toEqual(read);
  });

  it('documents as used by the shipped config only what config/gateway.yaml interpolates, and every one', () => {
    const shipped = readDoc('config/gateway.yaml').replace(/^\s*#.*$/gm, '');
    const interpolated = [...new Set([...shipped.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]))].sort();
    expect(variablesOf(between('Used by the shipped', 'Tests read'))).toEqual(interpolated);
  });
});
