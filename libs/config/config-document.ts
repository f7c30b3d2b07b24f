import { readFileSync } from 'node:fs';
import { parseDocument, stringify } from 'yaml';
import { fingerprint } from '@switchboard/domain';
import type { GatewayConfig } from './config.types';
import { interpolate } from './interpolate';
import { ConfigError, loadConfig } from './load-config';

/**
 * The config as written (snake_case, `${VAR}` references kept): what the store records and the
 * admin API shows. Literal secrets never leave the process that read them: they are masked as
 * `***<fingerprint>`, and a process turns a mask back into the secret only when its own file holds
 * that secret (a key set through `${VAR}` travels as the reference and works everywhere).
 */
export type ConfigDocument = Record<string, unknown>;

const MASK = /^\*\*\*([0-9a-f]{16})$/;

export function readConfigDocument(path: string): ConfigDocument {
  const doc = parseDocument(readFileSync(path, 'utf8'));
  if (doc.errors.length > 0)
    throw new ConfigError(
      path,
      doc.errors.map((e) => `(yaml) ${e.message.split('\n')[0]}`),
    );
  const value: unknown = doc.toJS() ?? {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(path, ['(root): must be a mapping']);
  return value as ConfigDocument;
}

/** The same YAML for the same document, for diffs and for "did it change". */
export const renderConfigDocument = (document: ConfigDocument): string => stringify(document, { lineWidth: 0 });

/** A copy with every literal secret masked; `secrets` learns each one by its fingerprint. */
export function maskSecrets(document: ConfigDocument, secrets?: Map<string, string>): ConfigDocument {
  return mapSecrets(structuredClone(document), (value) => {
    if (value.includes('${') || MASK.test(value)) return value;
    const fp = fingerprint(value);
    secrets?.set(fp, value);
    return `***${fp}`;
  });
}

/** A copy with each mask this process knows turned back into its secret; an unknown one is dropped with its entry. */
export function unmaskSecrets(document: ConfigDocument, secrets: ReadonlyMap<string, string>): ConfigDocument {
  return mapSecrets(structuredClone(document), (value) => {
    const mask = MASK.exec(value);
    if (!mask) return value;
    return secrets.get(mask[1]);
  });
}

/**
 * Per profile, the fingerprints of the literal keys a (masked) document lists, whether this
 * process knows their secrets or not: the keys every process syncs into the store alike, so one
 * whose file lacks a secret does not remove the key another process can use.
 */
export function listedKeyFingerprints(document: ConfigDocument): Map<string, string[]> {
  const listed = new Map<string, string[]>();
  for (const [name, profile] of Object.entries(asMapping(document.providers) ?? {})) {
    const keys = asMapping(profile)?.keys;
    if (!Array.isArray(keys)) continue;
    listed.set(
      name,
      keys.flatMap((key) => {
        const mask = typeof key === 'string' ? MASK.exec(key) : null;
        return mask ? [mask[1]] : [];
      }),
    );
  }
  return listed;
}

/**
 * Profiles whose `keys` hold a `${VAR}` reference that resolves to nothing in `env` (a variable
 * unset here, with an empty default): this process does not see all of their keys, so it must not
 * remove a key of theirs that another process, with the variable set, registered.
 */
export function profilesMissingKeys(document: ConfigDocument, env: NodeJS.ProcessEnv): Set<string> {
  const missing = new Set<string>();
  for (const [name, profile] of Object.entries(asMapping(document.providers) ?? {})) {
    const keys = asMapping(profile)?.keys;
    if (!Array.isArray(keys)) continue;
    const unresolved = keys.some((key) => typeof key === 'string' && key.includes('${') && interpolate(key, env, []) === '');
    if (unresolved) missing.add(name);
  }
  return missing;
}

/** Validates a document as loadConfig does (`${VAR}` from env, paths from cwd); throws `ConfigError` listing every problem. */
export function configFromDocument(
  document: ConfigDocument,
  opts: { env: NodeJS.ProcessEnv; cwd?: string; source: string; secrets: ReadonlyMap<string, string> },
): GatewayConfig {
  const config = loadConfig({
    text: renderConfigDocument(unmaskSecrets(document, opts.secrets)),
    env: opts.env,
    cwd: opts.cwd,
    path: opts.source,
  });
  return { ...config, source: opts.source };
}

type Rewrite = (value: string) => string | undefined;

/** Applies `rewrite` to every secret-holding string; an entry whose secret becomes undefined is removed. */
function mapSecrets(document: ConfigDocument, rewrite: Rewrite): ConfigDocument {
  const providers = asMapping(document.providers);
  for (const profile of Object.values(providers ?? {})) {
    const p = asMapping(profile);
    if (p && Array.isArray(p.keys)) p.keys = rewriteList(p.keys, rewrite);
  }
  const auth = asMapping(document.auth);
  if (auth) {
    for (const field of ['client_keys', 'admin_keys']) {
      const list = auth[field];
      if (!Array.isArray(list)) continue;
      auth[field] = list.flatMap((entry: unknown) => {
        if (typeof entry === 'string') {
          const value = rewrite(entry);
          return value === undefined ? [] : [value];
        }
        const m = asMapping(entry);
        if (m && typeof m.key === 'string') {
          const value = rewrite(m.key);
          if (value === undefined) return [];
          m.key = value;
        }
        return [entry];
      });
    }
  }
  const search = asMapping(asMapping(document.tools)?.web_search);
  if (search && typeof search.tavily_api_key === 'string') {
    const value = rewrite(search.tavily_api_key);
    if (value === undefined) delete search.tavily_api_key;
    else search.tavily_api_key = value;
  }
  return document;
}

function rewriteList(list: unknown[], rewrite: Rewrite): unknown[] {
  return list.flatMap((item) => {
    if (typeof item !== 'string') return [item];
    const value = rewrite(item);
    return value === undefined ? [] : [value];
  });
}

function asMapping(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
