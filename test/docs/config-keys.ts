import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '@switchboard/config';

type Segment = string | number;

const PROBE = '__probe__';
const NAME = '__name__';

/**
 * A config the loader reads past its early returns: a profile with a type, a named client key, a
 * chain, an MCP server, a price, so that the fields nested in each are reached and reported.
 */
const BASE = {
  providers: { p: { type: 'mock' } },
  models: { m: { chain: [{ provider: 'p', model: 'x' }] } },
  auth: { client_keys: [{ name: 'c', key: 'client-key' }], admin_keys: [{ name: 'a', key: 'admin-key' }] },
  tools: { mcp_servers: [{ name: 's', url: 'http://127.0.0.1:1/mcp' }] },
  prices: { x: { input_per_mtok: 1, output_per_mtok: 1 } },
};

/** What the loader says about a document: every problem line (empty when it is valid). */
function problemsOf(document: unknown, cwd: string): string[] {
  try {
    loadConfig({ text: JSON.stringify(document), env: {}, cwd });
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

function withValueAt(path: Segment[], value: unknown): unknown {
  const root = structuredClone(BASE) as Record<string, unknown>;
  if (path.length === 0) return value;
  let node: Record<string | number, unknown> = root;
  path.slice(0, -1).forEach((segment, i) => {
    const existing = node[segment];
    if (existing === null || typeof existing !== 'object') node[segment] = typeof path[i + 1] === 'number' ? [] : {};
    node = node[segment] as Record<string | number, unknown>;
  });
  node[path[path.length - 1]] = value;
  return root;
}

/** The list in `<at>: unknown field (expected one of a, b, c)`, when the loader says it. */
function allowedAt(problems: string[], at: string): string[] | undefined {
  const prefix = `${at}: unknown field (expected one of `;
  const line = problems.find((p) => p.startsWith(prefix));
  return line?.slice(prefix.length, line.lastIndexOf(')')).split(', ');
}

/**
 * Every key `config/gateway.yaml` may hold, as the loader itself accepts them, found by asking it:
 * an unknown field in a mapping is reported with the list of fields it expected. Paths are written
 * `a.b`, `a.<name>.b` under a mapping of names (providers, models, prices) and `a[].b` inside a list.
 * Returns the leaves (values) and the mappings between them.
 */
export function configKeysFromLoader(): { leaves: string[]; mappings: string[] } {
  const cwd = mkdtempSync(join(tmpdir(), 'sb-config-keys-'));
  const leaves: string[] = [];
  const mappings: string[] = [];
  const shown = (path: Segment[]): string =>
    path
      .map((s) => (typeof s === 'number' ? '[]' : s === NAME ? '.<name>' : `.${s}`))
      .join('')
      .replace(/^\./, '');
  const reported = (path: Segment[]): string =>
    path.length === 0
      ? '(root)'
      : path
          .map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`))
          .join('')
          .replace(/^\./, '');

  const explore = (path: Segment[]): void => {
    const shapes: Array<{ value: unknown; inner: Segment[] }> = [
      { value: { [PROBE]: 1 }, inner: [] },
      { value: { [NAME]: { [PROBE]: 1 } }, inner: [NAME] },
      { value: [{ [PROBE]: 1 }], inner: [0] },
    ];
    for (const { value, inner } of shapes) {
      const allowed = allowedAt(
        problemsOf(withValueAt(path, value), cwd),
        `${reported([...path, ...inner])}.${PROBE}`.replace(/^\(root\)\./, '(root).'),
      );
      if (!allowed) continue;
      if (path.length > 0) mappings.push(shown(path));
      for (const key of allowed) explore([...path, ...inner, key]);
      return;
    }
    leaves.push(shown(path));
  };
  try {
    explore([]);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
  return { leaves: leaves.sort(), mappings: mappings.sort() };
}
