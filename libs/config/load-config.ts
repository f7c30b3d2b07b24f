import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, isAbsolute, parse as parsePath, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { ModelPrice } from '@switchboard/domain';
import { defaultBaseUrl, PROVIDER_TYPES } from '@switchboard/providers';
import type { ChainEntry, GatewayConfig, ModelAlias, ProviderProfile } from './config.types';
import { readAdminKeys, readClientKeys, readLimits } from './auth-config';
import { Fields, join, type Mapping } from './fields';
import { interpolate } from './interpolate';
import { readKeysFileEntries } from './keys';

const MiB = 1024 * 1024;

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`invalid configuration in ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadConfigOptions {
  path?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** YAML text to use instead of reading `path` (tests, embedded configs). */
  text?: string;
}

/** Reads, interpolates, validates and fills defaults; throws `ConfigError` listing every problem. */
export function loadConfig(opts: LoadConfigOptions = {}): GatewayConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const source = resolve(cwd, opts.path ?? env.SWITCHBOARD_CONFIG ?? 'config/gateway.yaml');
  let text = opts.text;
  if (text === undefined) {
    try {
      text = readFileSync(source, 'utf8');
    } catch (err) {
      throw new ConfigError(source, [`(file): cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
    }
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map((e) => `(yaml) line ${e.linePos?.[0].line ?? '?'}, column ${e.linePos?.[0].col ?? '?'}: ${e.message.split('\n')[0]}`),
    );
  }
  const problems: string[] = [];
  const raw = interpolate(doc.toJS() ?? {}, env, problems);
  const config = validate(raw, new Fields(problems), { env, cwd, source });
  if (problems.length > 0) throw new ConfigError(source, problems);
  return config;
}

interface Context {
  env: NodeJS.ProcessEnv;
  cwd: string;
  source: string;
}

const TOP_LEVEL = [
  'server',
  'auth',
  'providers',
  'models',
  'routing',
  'keys',
  'keeper',
  'tools',
  'react',
  'prices',
  'responses',
  'analytics',
  'limits',
  'cors',
] as const;
const PROFILE_FIELDS = [
  'type',
  'base_url',
  'keys',
  'keys_file',
  'timeout_ms',
  'connect_timeout_ms',
  'api_version',
  'anthropic_version',
  'max_tokens_default',
  'probe_interval_ms',
] as const;
const ALIAS_FIELDS = ['chain', 'reasoning_mode', 'pattern', 'tools', 'max_steps', 'rpm', 'tpm', 'max_parallel'] as const;

function validate(raw: unknown, f: Fields, ctx: Context): GatewayConfig {
  const root = f.mapping(raw, '(root)', TOP_LEVEL);

  const server = f.mapping(root.server, 'server', ['port', 'body_limit_bytes']);
  let port = f.int(server, 'port', 'server', 8080, 1, 65535);
  if (ctx.env.PORT !== undefined && ctx.env.PORT !== '') port = f.int({ PORT: ctx.env.PORT }, 'PORT', '(env)', port, 0, 65535);

  const auth = f.mapping(root.auth, 'auth', ['client_keys', 'admin_keys']);
  const rawProviders = f.mapping(root.providers, 'providers');
  const providers: Record<string, ProviderProfile> = {};
  for (const [name, value] of Object.entries(rawProviders)) {
    const profile = readProfile(name, value, f, ctx);
    if (profile) providers[name] = profile;
  }
  refuseSharedKeys(rawProviders, providers, f);

  const reactRaw = f.mapping(root.react, 'react', ['patterns_dir', 'max_steps', 'step_timeout_ms', 'total_timeout_ms', 'max_depth']);
  const react = {
    patternsDir: resolve(ctx.cwd, f.string(reactRaw, 'patterns_dir', 'react', 'config/patterns')),
    maxSteps: f.int(reactRaw, 'max_steps', 'react', 8, 1, 100),
    stepTimeoutMs: f.int(reactRaw, 'step_timeout_ms', 'react', 60_000, 1),
    totalTimeoutMs: f.int(reactRaw, 'total_timeout_ms', 'react', 300_000, 1),
    maxDepth: f.int(reactRaw, 'max_depth', 'react', 2, 0, 10),
  };

  const rawModels = f.mapping(root.models, 'models');
  const models: Record<string, ModelAlias> = {};
  const patterns = listPatterns(react.patternsDir);
  for (const [name, value] of Object.entries(rawModels)) {
    models[name] = readAlias(name, value, providers, rawProviders, patterns, react.patternsDir, f);
  }

  const routingRaw = f.mapping(root.routing, 'routing', [
    'rate_limit_cooldown_ms',
    'error_cooldown_ms',
    'circuit',
    'retries',
    'request_deadline_ms',
    'max_upstream_calls',
  ]);
  const circuit = f.mapping(routingRaw.circuit, 'routing.circuit', ['failure_threshold', 'cooldown_ms']);
  const retries = f.mapping(routingRaw.retries, 'routing.retries', ['max_attempts', 'base_delay_ms', 'max_delay_ms']);

  const responsesRaw = f.mapping(root.responses, 'responses', ['retention_hours', 'max_stored']);

  const keysRaw = f.mapping(root.keys, 'keys', ['ramp_up_ms']);

  const keeperRaw = f.mapping(root.keeper, 'keeper', ['enabled', 'probe_interval_ms', 'restore_check_ms']);

  const toolsRaw = f.mapping(root.tools, 'tools', ['mcp_servers', 'http_get', 'web_search', 'call_timeout_ms']);
  const httpGet = f.mapping(toolsRaw.http_get, 'tools.http_get', ['max_bytes', 'timeout_ms', 'allowed_hosts']);
  const webSearch = f.mapping(toolsRaw.web_search, 'tools.web_search', ['tavily_api_key']);
  const mcpServers = f.list(toolsRaw, 'mcp_servers', 'tools').flatMap((entry, i) => {
    const path = `tools.mcp_servers[${i}]`;
    const m = f.mapping(entry, path, ['name', 'url']);
    const name = f.string(m, 'name', path);
    const url = f.string(m, 'url', path);
    if (!name) f.problem(join(path, 'name'), 'required');
    if (!url) f.problem(join(path, 'url'), 'required');
    else if (!isHttpUrl(url)) f.problem(join(path, 'url'), `must be an http(s) URL (got '${printableUrl(url)}')`);
    return name && url ? [{ name, url }] : [];
  });
  const tavily = f.string(webSearch, 'tavily_api_key', 'tools.web_search') ?? ctx.env.TAVILY_API_KEY;

  return {
    server: { port, bodyLimitBytes: f.int(server, 'body_limit_bytes', 'server', 4 * MiB, 1024) },
    auth: {
      clientKeys: readClientKeys(auth, f, ctx.env),
      adminKeys: readAdminKeys(auth, f, ctx.env),
    },
    limits: {
      onRedisError:
        f.oneOf(f.mapping(root.limits, 'limits', ['on_redis_error']), 'on_redis_error', 'limits', ['allow', 'deny'] as const) ?? 'allow',
    },
    providers,
    models,
    routing: {
      rateLimitCooldownMs: f.int(routingRaw, 'rate_limit_cooldown_ms', 'routing', 60_000, 0),
      errorCooldownMs: f.int(routingRaw, 'error_cooldown_ms', 'routing', 5_000, 0),
      circuit: {
        failureThreshold: f.int(circuit, 'failure_threshold', 'routing.circuit', 5, 1),
        cooldownMs: f.int(circuit, 'cooldown_ms', 'routing.circuit', 30_000, 0),
      },
      retries: {
        maxAttempts: f.int(retries, 'max_attempts', 'routing.retries', 3, 1, 20),
        baseDelayMs: f.int(retries, 'base_delay_ms', 'routing.retries', 50, 0),
        maxDelayMs: f.int(retries, 'max_delay_ms', 'routing.retries', 1_000, 0),
      },
      requestDeadlineMs: f.int(routingRaw, 'request_deadline_ms', 'routing', 120_000, 1),
      maxUpstreamCalls: f.int(routingRaw, 'max_upstream_calls', 'routing', 10, 1),
    },
    keys: { rampUpMs: f.int(keysRaw, 'ramp_up_ms', 'keys', 10_000, 0) },
    keeper: {
      enabled: f.bool(keeperRaw, 'enabled', 'keeper', true),
      probeIntervalMs: f.int(keeperRaw, 'probe_interval_ms', 'keeper', 60_000, 100),
      restoreCheckMs: f.int(keeperRaw, 'restore_check_ms', 'keeper', 250, 10),
    },
    tools: {
      mcpServers,
      httpGet: {
        maxBytes: f.int(httpGet, 'max_bytes', 'tools.http_get', MiB, 1),
        timeoutMs: f.int(httpGet, 'timeout_ms', 'tools.http_get', 10_000, 1),
        allowedHosts: f.stringList(httpGet, 'allowed_hosts', 'tools.http_get'),
      },
      webSearch: { tavilyApiKey: tavily || undefined },
      callTimeoutMs: f.int(toolsRaw, 'call_timeout_ms', 'tools', 30_000, 1),
    },
    cors: { origins: readCorsOrigins(root.cors, f) },
    analytics: readAnalytics(root.analytics, f),
    prices: readPrices(root.prices, f),
    responses: {
      retentionMs: f.int(responsesRaw, 'retention_hours', 'responses', 720, 1) * 3_600_000,
      maxStored: f.int(responsesRaw, 'max_stored', 'responses', 100_000, 1),
    },
    react,
    source: ctx.source,
  };
}

/** Browser origins allowed to call the gateway: `*`, or `scheme://host[:port]` as a browser sends `Origin`. */
function readCorsOrigins(raw: unknown, f: Fields): string[] {
  const cors = f.mapping(raw, 'cors', ['origins']);
  return f.stringList(cors, 'origins', 'cors').filter((origin, i) => {
    if (origin === '*') return true;
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      url = undefined;
    }
    if (url && (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === origin) return true;
    f.problem(
      `cors.origins[${i}]`,
      "must be '*' or an origin such as https://app.example.com (scheme, host, optional port; no path or trailing slash)",
    );
    return false;
  });
}

function readProfile(name: string, value: unknown, f: Fields, ctx: Context): ProviderProfile | undefined {
  const path = `providers.${name}`;
  const m = f.mapping(value, path, PROFILE_FIELDS);
  const type = f.oneOf(m, 'type', path, PROVIDER_TYPES);
  if (m.type === undefined) f.problem(join(path, 'type'), `required (one of ${PROVIDER_TYPES.join(', ')})`);
  if (!type) return undefined;

  let baseUrl = f.string(m, 'base_url', path) || defaultBaseUrl(type);
  if (!baseUrl) f.problem(join(path, 'base_url'), `required for type ${type}`);
  else if (type !== 'mock' && !isHttpUrl(baseUrl))
    f.problem(join(path, 'base_url'), `must be an http(s) URL (got '${printableUrl(baseUrl)}')`);
  baseUrl = (baseUrl ?? '').replace(/\/+$/, '');

  // `${VAR:-}` left empty means "no key from the environment": not a key.
  const keys = f
    .stringList(m, 'keys', path)
    .map((k) => k.trim())
    .filter(Boolean);
  const explicitFile = f.string(m, 'keys_file', path);
  let keysFile: string | undefined;
  if (explicitFile) {
    keysFile = isAbsolute(explicitFile) ? explicitFile : resolve(ctx.cwd, explicitFile);
    // A file may appear later (it is watched), but a missing directory is a typo worth stopping for.
    if (!existsSync(dirname(keysFile))) f.problem(join(path, 'keys_file'), `directory not found for ${explicitFile}`);
  } else if (m.keys === undefined) {
    keysFile = resolve(ctx.cwd, 'keys', `${name}.keys`);
  }

  return {
    name,
    type,
    baseUrl,
    keys,
    keysFile,
    timeoutMs: f.int(m, 'timeout_ms', path, 60_000, 1),
    connectTimeoutMs: f.int(m, 'connect_timeout_ms', path, 5_000, 1),
    apiVersion: type === 'azure' ? f.string(m, 'api_version', path, '2024-10-21') : f.string(m, 'api_version', path),
    anthropicVersion: type === 'anthropic' ? f.string(m, 'anthropic_version', path, '2023-06-01') : undefined,
    maxTokensDefault: type === 'anthropic' ? f.int(m, 'max_tokens_default', path, 4096, 1) : undefined,
    probeIntervalMs: m.probe_interval_ms === undefined ? undefined : f.int(m, 'probe_interval_ms', path, 60_000, 100),
  };
}

/**
 * A key belongs to one profile: its fingerprint names one stream, whose KeyRegistered says the
 * profile, so the same key in a second profile could never serve there. Refused where it appears
 * again, naming where it was first; the secret itself is never quoted. (`keys:` and `keys_file` of
 * one profile are a union: a key in both is fine.) Keys files are read as they are now; an edit
 * made later is handled by the vault.
 */
function refuseSharedKeys(rawProviders: Mapping, providers: Record<string, ProviderProfile>, f: Fields): void {
  const firstSeen = new Map<string, string>();
  for (const profile of Object.values(providers)) {
    const path = `providers.${profile.name}`;
    const here = new Map<string, string>();
    const listed = (rawProviders[profile.name] as Mapping).keys;
    if (Array.isArray(listed)) {
      listed.forEach((key, i) => {
        if (typeof key === 'string' && key.trim() && !here.has(key.trim())) here.set(key.trim(), `${path}.keys[${i}]`);
      });
    }
    if (profile.keysFile) {
      try {
        for (const { key, line } of readKeysFileEntries(profile.keysFile))
          if (!here.has(key)) here.set(key, `${path}.keys_file line ${line}`);
      } catch (err) {
        f.problem(join(path, 'keys_file'), `cannot read ${profile.keysFile}: ${(err as NodeJS.ErrnoException).code ?? 'unknown error'}`);
      }
    }
    for (const [key, where] of here) {
      const earlier = firstSeen.get(key);
      if (earlier === undefined) firstSeen.set(key, where);
      else f.problem(where, `the same key is already in ${earlier} (a key belongs to one profile)`);
    }
  }
}

function readAlias(
  name: string,
  value: unknown,
  providers: Record<string, ProviderProfile>,
  rawProviders: Mapping,
  patterns: string[],
  patternsDir: string,
  f: Fields,
): ModelAlias {
  const path = `models.${name}`;
  const m = f.mapping(value, path, ALIAS_FIELDS);
  const chainRaw = f.list(m, 'chain', path);
  if (chainRaw.length === 0) f.problem(join(path, 'chain'), 'must list at least one { provider, model }');
  const chain: ChainEntry[] = [];
  chainRaw.forEach((entry, i) => {
    const at = `${path}.chain[${i}]`;
    const e = f.mapping(entry, at, ['provider', 'model']);
    const provider = f.string(e, 'provider', at);
    const model = f.string(e, 'model', at);
    if (!provider) f.problem(join(at, 'provider'), 'required');
    else if (!(provider in rawProviders)) f.problem(join(at, 'provider'), `unknown provider '${provider}'`);
    if (!model) f.problem(join(at, 'model'), 'required');
    if (provider && model && providers[provider]) chain.push({ provider, model });
  });

  const reasoningMode = f.oneOf(m, 'reasoning_mode', path, ['react'] as const);
  const pattern = f.string(m, 'pattern', path);
  if (reasoningMode === 'react') {
    if (!pattern) f.problem(join(path, 'pattern'), 'required when reasoning_mode is react');
    else if (!patterns.includes(pattern)) {
      f.problem(join(path, 'pattern'), `unknown pattern '${pattern}' (${patternsDir} has: ${patterns.join(', ') || 'none'})`);
    }
  } else if (pattern !== undefined) {
    f.problem(join(path, 'pattern'), 'only valid with reasoning_mode: react');
  }
  const maxSteps = m.max_steps === undefined ? undefined : f.int(m, 'max_steps', path, 8, 1, 100);
  const tools = m.tools === undefined ? undefined : f.stringList(m, 'tools', path);
  const limits = readLimits({ rpm: m.rpm, tpm: m.tpm, max_parallel: m.max_parallel }, path, f);
  return { name, chain, reasoningMode, pattern, tools, maxSteps, ...(Object.keys(limits).length ? { limits } : {}) };
}

const DAY_MS = 86_400_000;

function readAnalytics(value: unknown, f: Fields): GatewayConfig['analytics'] {
  const m = f.mapping(value, 'analytics', ['events_stream', 'requests_stream', 'buffer_size', 'usage_flush_ms']);
  const events = f.mapping(m.events_stream, 'analytics.events_stream', ['max_age_ms', 'max_bytes', 'duplicate_window_ms']);
  const requests = f.mapping(m.requests_stream, 'analytics.requests_stream', ['max_age_ms', 'max_bytes']);
  const eventsStream = {
    maxAgeMs: f.int(events, 'max_age_ms', 'analytics.events_stream', 30 * DAY_MS, 0),
    maxBytes: f.int(events, 'max_bytes', 'analytics.events_stream', -1, -1),
    duplicateWindowMs: f.int(events, 'duplicate_window_ms', 'analytics.events_stream', DAY_MS, 1000),
  };
  // JetStream refuses a duplicate window longer than the stream keeps messages (0: forever).
  if (eventsStream.maxAgeMs > 0 && eventsStream.duplicateWindowMs > eventsStream.maxAgeMs)
    f.problem('analytics.events_stream.duplicate_window_ms', `must not exceed max_age_ms (${eventsStream.maxAgeMs})`);
  return {
    eventsStream,
    requestsStream: {
      maxAgeMs: f.int(requests, 'max_age_ms', 'analytics.requests_stream', 7 * DAY_MS, 0),
      maxBytes: f.int(requests, 'max_bytes', 'analytics.requests_stream', -1, -1),
    },
    bufferSize: f.int(m, 'buffer_size', 'analytics', 10_000, 1),
    usageFlushMs: f.int(m, 'usage_flush_ms', 'analytics', 10_000, 100),
  };
}

/** `prices: {<provider model>: {input_per_mtok, output_per_mtok}}`: both required, USD, >= 0. */
function readPrices(value: unknown, f: Fields): Record<string, ModelPrice> {
  const prices: Record<string, ModelPrice> = {};
  for (const [model, entry] of Object.entries(f.mapping(value, 'prices'))) {
    const path = `prices.${model}`;
    const m = f.mapping(entry, path, ['input_per_mtok', 'output_per_mtok']);
    if (entry === null || entry === undefined) f.problem(path, 'must be a mapping with input_per_mtok and output_per_mtok');
    for (const key of ['input_per_mtok', 'output_per_mtok']) {
      if (entry && typeof entry === 'object' && !Array.isArray(entry) && m[key] === undefined)
        f.problem(join(path, key), 'required (USD per million tokens)');
    }
    prices[model] = {
      inputPerMtok: f.number(m, 'input_per_mtok', path, 0),
      outputPerMtok: f.number(m, 'output_per_mtok', path, 0),
    };
  }
  return prices;
}

function listPatterns(dir: string): string[] {
  try {
    return [
      ...new Set(
        readdirSync(dir)
          .filter((f) => !f.startsWith('.'))
          .map((f) => parsePath(f).name),
      ),
    ].sort();
  } catch {
    return [];
  }
}

/**
 * A URL as a config problem may quote it: without `user:password@` and without its query and
 * fragment (`?key=` is how some hosts take a key), so an error never prints a credential.
 */
function printableUrl(value: string): string {
  const shown = value.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/?#@\s]*@/i, '$1***@').replace(/[?#].*$/s, '');
  return shown.length > 100 ? `${shown.slice(0, 100)}...` : shown;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
