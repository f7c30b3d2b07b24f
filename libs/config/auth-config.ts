import type { ClientLimits, ConfiguredClient } from '@switchboard/domain';
import { fingerprint } from '@switchboard/domain';
import { Fields, join, type Mapping } from './fields';

const CLIENT_FIELDS = ['name', 'key', 'key_env', 'models', 'rpm', 'tpm', 'max_parallel', 'budget'] as const;
const ADMIN_FIELDS = ['name', 'key', 'key_env'] as const;
export const CLIENT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** An admin key with the name recorded as `by` when it changes something. */
export interface AdminKey {
  name: string;
  key: string;
}

/**
 * `auth.client_keys`: plain strings (named after their fingerprint) or
 * `{name, key | key_env, models, rpm, tpm, max_parallel, budget: {usd, per}}`. A key never
 * appears in a problem: entries are named by their path and name only.
 */
export function readClientKeys(auth: Mapping, f: Fields, env: NodeJS.ProcessEnv): ConfiguredClient[] {
  const clients: ConfiguredClient[] = [];
  const names = new Set<string>();
  f.list(auth, 'client_keys', 'auth').forEach((entry, i) => {
    const path = `auth.client_keys[${i}]`;
    if (typeof entry === 'string') {
      if (entry.trim()) clients.push({ name: fingerprint(entry.trim()), key: entry.trim(), limits: {} });
      return;
    }
    const m = f.mapping(entry, path, CLIENT_FIELDS);
    const named = readNamedKey(m, path, f, env);
    if (!named) return;
    if (names.has(named.name)) f.problem(join(path, 'name'), `'${named.name}' is listed twice`);
    names.add(named.name);
    const models = m.models === undefined ? undefined : f.stringList(m, 'models', path);
    clients.push({ ...named, ...(models ? { models } : {}), limits: readLimits(m, path, f) });
  });
  return clients;
}

/** `auth.admin_keys`: plain strings (named after their fingerprint) or `{name, key | key_env}`. */
export function readAdminKeys(auth: Mapping, f: Fields, env: NodeJS.ProcessEnv): AdminKey[] {
  return f.list(auth, 'admin_keys', 'auth').flatMap((entry, i) => {
    const path = `auth.admin_keys[${i}]`;
    if (typeof entry === 'string') return entry.trim() ? [{ name: fingerprint(entry.trim()), key: entry.trim() }] : [];
    const named = readNamedKey(f.mapping(entry, path, ADMIN_FIELDS), path, f, env);
    return named ? [named] : [];
  });
}

/** The limits of a client as written in config or an admin body (snake_case), validated by path. */
export function readLimits(m: Mapping, path: string, f: Fields): ClientLimits {
  const limits: ClientLimits = {};
  if (m.rpm !== undefined) limits.rpm = f.int(m, 'rpm', path, 0, 1);
  if (m.tpm !== undefined) limits.tpm = f.int(m, 'tpm', path, 0, 1);
  if (m.max_parallel !== undefined) limits.maxParallel = f.int(m, 'max_parallel', path, 0, 1);
  if (m.budget !== undefined) {
    const at = join(path, 'budget');
    const b = f.mapping(m.budget, at, ['usd', 'per']);
    const usd = f.number(b, 'usd', at, 0);
    const per = f.oneOf(b, 'per', at, ['day', 'month'] as const);
    if (b.usd === undefined) f.problem(join(at, 'usd'), 'required');
    if (b.per === undefined) f.problem(join(at, 'per'), 'required (day or month)');
    if (per) limits.budget = { usd, per };
  }
  return limits;
}

function readNamedKey(m: Mapping, path: string, f: Fields, env: NodeJS.ProcessEnv): AdminKey | undefined {
  const name = f.string(m, 'name', path);
  if (!name) f.problem(join(path, 'name'), 'required');
  else if (!CLIENT_NAME.test(name)) f.problem(join(path, 'name'), 'letters, digits, _ . - only (at most 64)');
  const given = f.string(m, 'key', path);
  const envName = f.string(m, 'key_env', path);
  if (given !== undefined && envName !== undefined) f.problem(path, 'key and key_env are exclusive');
  let key = given?.trim();
  if (envName !== undefined) {
    key = env[envName]?.trim();
    if (!key) f.problem(join(path, 'key_env'), `environment variable ${envName} is not set`);
  } else if (!key) f.problem(join(path, 'key'), 'required (or key_env)');
  return name && key && CLIENT_NAME.test(name) ? { name, key } : undefined;
}
