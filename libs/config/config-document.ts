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

/** A literal secret of a document (given as itself or as its mask), by path and fingerprint; never its value. */
export interface LiteralSecret {
  /** Where the document holds it, e.g. `providers.openai.keys[1]`, `auth.client_keys[0].key`. */
  path: string;
  fingerprint: string;
}

/** Every literal secret of a document, as itself or masked, in document order: `${VAR}` references are not secrets here. */
export function literalSecrets(document: ConfigDocument): LiteralSecret[] {
  const found: LiteralSecret[] = [];
  mapSecrets(structuredClone(document), (value, path) => {
    if (value.includes('${')) return value;
    found.push({ path, fingerprint: MASK.exec(value)?.[1] ?? fingerprint(value) });
    return value;
  });
  return found;
}

/** A literal secret of a config that does not reach every process: where it is, its fingerprint, and what to do. */
export interface SecretWarning extends LiteralSecret {
  message: string;
}

/** How a secret reaches every process instead of one: by reference, resolved by each process from its own environment or disk. */
function sharedWay(path: string): string {
  if (path.startsWith('providers.')) return "set it through ${VAR} in every process's environment, or in the profile's keys file";
  if (path.startsWith('auth.')) return "set it through ${VAR} or key_env in every process's environment";
  return "set it through ${VAR} in every process's environment";
}

/**
 * The masked secrets of a (stored) document this process cannot turn back into their secret, so
 * their entries are dropped here (an upstream key is never routed to, a client or admin key is
 * refused): only the process the secret was sent to, or one whose own file holds it, uses it.
 */
export function unknownSecrets(document: ConfigDocument, secrets: ReadonlyMap<string, string>): SecretWarning[] {
  return literalSecrets(document)
    .filter((s) => !secrets.has(s.fingerprint))
    .map((s) => ({
      ...s,
      message:
        `${s.path} (${s.fingerprint}): the config holds this secret masked and this process does not know it, so it does not use it ` +
        `(only the process it was sent to, or one whose own config file holds it, does); ${sharedWay(s.path)}`,
    }));
}

/**
 * What a document sent to this process (PUT /admin/config) holds that no other process can use:
 * each literal secret its own file does not hold. The store keeps it masked, so the other replicas
 * see only the mask, and this process forgets a secret it learnt from a request when it restarts;
 * `${VAR}` (or `key_env`, or a keys file) reaches every process. `known` has every secret this
 * process holds now, the request's included: a mask outside it is not used even here.
 */
export function processLocalSecrets(
  document: ConfigDocument,
  secrets: { fromFile: ReadonlySet<string>; known: ReadonlyMap<string, string> },
): SecretWarning[] {
  const unknown = new Map(unknownSecrets(document, secrets.known).map((w) => [w.path, w]));
  return literalSecrets(document)
    .filter((s) => !secrets.fromFile.has(s.fingerprint))
    .map(
      (s) =>
        unknown.get(s.path) ?? {
          ...s,
          message:
            `${s.path} (${s.fingerprint}): a literal secret reaches only this process: the store keeps it masked, so other replicas ` +
            `see only the mask and do not use it, and this process loses it on restart; ${sharedWay(s.path)}`,
        },
    );
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

/** Rewrites one secret-holding string found at `path`; `undefined` removes its entry. */
type Rewrite = (value: string, path: string) => string | undefined;

/** Applies `rewrite` to every secret-holding string; an entry whose secret becomes undefined is removed. */
function mapSecrets(document: ConfigDocument, rewrite: Rewrite): ConfigDocument {
  const providers = asMapping(document.providers);
  for (const [name, profile] of Object.entries(providers ?? {})) {
    const p = asMapping(profile);
    if (p && Array.isArray(p.keys)) p.keys = rewriteList(p.keys, rewrite, `providers.${name}.keys`);
  }
  const auth = asMapping(document.auth);
  if (auth) {
    for (const field of ['client_keys', 'admin_keys']) {
      const list = auth[field];
      if (!Array.isArray(list)) continue;
      auth[field] = list.flatMap((entry: unknown, i) => {
        if (typeof entry === 'string') {
          const value = rewrite(entry, `auth.${field}[${i}]`);
          return value === undefined ? [] : [value];
        }
        const m = asMapping(entry);
        if (m && typeof m.key === 'string') {
          const value = rewrite(m.key, `auth.${field}[${i}].key`);
          if (value === undefined) return [];
          m.key = value;
        }
        return [entry];
      });
    }
  }
  const search = asMapping(asMapping(document.tools)?.web_search);
  if (search && typeof search.tavily_api_key === 'string') {
    const value = rewrite(search.tavily_api_key, 'tools.web_search.tavily_api_key');
    if (value === undefined) delete search.tavily_api_key;
    else search.tavily_api_key = value;
  }
  return document;
}

function rewriteList(list: unknown[], rewrite: Rewrite, path: string): unknown[] {
  return list.flatMap((item, i) => {
    if (typeof item !== 'string') return [item];
    const value = rewrite(item, `${path}[${i}]`);
    return value === undefined ? [] : [value];
  });
}

function asMapping(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
