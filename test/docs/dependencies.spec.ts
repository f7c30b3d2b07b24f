import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { codeSpans, filesUnder, readDoc, ROOT, tableRows } from './markdown';

interface PackageJson {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

const pkg = JSON.parse(readDoc('package.json')) as PackageJson;
const runtime = Object.keys(pkg.dependencies).sort();
const development = Object.keys(pkg.devDependencies).sort();

/** The README's "Dependencies and why" table: the package names of its first column. */
function readmeTable(): string[] {
  const section = readDoc('README.md').split('## Dependencies and why')[1]?.split('\n## ')[0] ?? '';
  return tableRows(section).flatMap((cells) => codeSpans(cells[0] ?? ''));
}

/** Every package name in the first column of a table of docs/dependencies.md (`@scope/*` included). */
const dependenciesDoc = (): string[] => tableRows(readDoc('docs/dependencies.md')).flatMap((cells) => codeSpans(cells[0] ?? ''));

const explained = (name: string, names: string[]): boolean =>
  names.includes(name) || names.some((n) => n.endsWith('/*') && name.startsWith(n.slice(0, -1)));

/** The packages the shipped code imports: `from 'x'`, `require('x')`, `import('x')`, subpaths included. */
function importedByCode(): Set<string> {
  const imported = new Set<string>();
  for (const file of [...filesUnder('src', /\.ts$/), ...filesUnder('libs', /\.ts$/)]) {
    if (/\.spec\.ts$/.test(file)) continue;
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const match of text.matchAll(/(?:from\s+|require\(|import\()'((?:@[\w.-]+\/)?[\w.-]+)/g)) imported.add(match[1]);
  }
  return imported;
}

/** A package's required peers (installed for it, never imported by us): `rxjs` for Nest, `zod` for the MCP SDK. */
function requiredPeers(name: string): string[] {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as {
    peerDependencies?: Record<string, string>;
    peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  };
  return Object.keys(manifest.peerDependencies ?? {}).filter((peer) => !manifest.peerDependenciesMeta?.[peer]?.optional);
}

describe('the dependencies, as README.md and docs/dependencies.md explain them', () => {
  it('the README explains every runtime dependency, and names no package the project does not depend on', () => {
    const table = readmeTable();
    expect(runtime.filter((name) => !explained(name, table))).toEqual([]);
    expect(table.filter((name) => !runtime.includes(name))).toEqual([]);
  });

  it('every development dependency has its line in docs/dependencies.md', () => {
    const doc = dependenciesDoc();
    expect(development.filter((name) => !explained(name, doc))).toEqual([]);
  });

  it('every runtime dependency is imported by the code in src/ or libs/, or is a required peer of one that is', () => {
    const imported = importedByCode();
    const peers = new Set([...imported].filter((name) => runtime.includes(name)).flatMap(requiredPeers));
    expect(runtime.filter((name) => !imported.has(name) && !peers.has(name))).toEqual([]);
  });
});
