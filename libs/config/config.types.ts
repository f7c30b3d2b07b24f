import type { ClientLimits, ConfiguredClient, Prices } from '@switchboard/domain';
import type { AdminKey } from './auth-config';
import type { ProviderType } from '@switchboard/providers';

/** The validated, interpolated, defaults-filled configuration. Secrets live only in `keys`. */
export interface GatewayConfig {
  server: {
    port: number;
    /** Largest accepted request body (413 above it). */
    bodyLimitBytes: number;
  };
  auth: { clientKeys: ConfiguredClient[]; adminKeys: AdminKey[] };
  /** Where rate-limit counters fail: `allow` (fail open, the default) or `deny` when Redis is unreachable. */
  limits: { onRedisError: 'allow' | 'deny' };
  /** Browser origins allowed to call the gateway (CORS); empty: none, the default. */
  cors: { origins: string[] };
  providers: Record<string, ProviderProfile>;
  models: Record<string, ModelAlias>;
  routing: RoutingConfig;
  /**
   * How a key comes back after a cooldown: one trial call, then its share of the picks rises from
   * nothing to full over `rampUpMs` (0: full share at once).
   */
  keys: { rampUpMs: number };
  keeper: { enabled: boolean; probeIntervalMs: number; restoreCheckMs: number };
  tools: ToolsConfig;
  analytics: AnalyticsConfig;
  /** USD per million tokens by the model as the provider calls it; see `costUsd`. */
  prices: Prices;
  /** What `/v1/responses` keeps for follow-ups (`previous_response_id`) and `GET /v1/responses/{id}`. */
  responses: { retentionMs: number; maxStored: number };
  react: {
    patternsDir: string;
    maxSteps: number;
    stepTimeoutMs: number;
    totalTimeoutMs: number;
    maxDepth: number;
  };
  /** Where the config was read from (for messages). */
  source: string;
}

export interface ProviderProfile {
  name: string;
  type: ProviderType;
  /** Resolved root URL (type default when omitted), no trailing slash. */
  baseUrl: string;
  /** Secrets from `keys:` (interpolated, empty strings dropped). */
  keys: string[];
  /** Resolved keys file path: `keys_file`, or `keys/<profile>.keys` when neither is given. */
  keysFile?: string;
  timeoutMs: number;
  connectTimeoutMs: number;
  apiVersion?: string;
  anthropicVersion?: string;
  maxTokensDefault?: number;
  /** Keeper probe interval override for this profile. */
  probeIntervalMs?: number;
}

export interface ChainEntry {
  provider: string;
  model: string;
}

export interface ModelAlias {
  name: string;
  chain: ChainEntry[];
  reasoningMode?: 'react';
  pattern?: string;
  tools?: string[];
  maxSteps?: number;
  /** rpm, tpm, maxParallel shared by every client of the alias (no budget: that is a client's). */
  limits?: Omit<ClientLimits, 'budget'>;
}

export interface RoutingConfig {
  /** Quarantine for a 429 without any provider hint. */
  rateLimitCooldownMs: number;
  /** Quarantine for 5xx, timeouts, resets. */
  errorCooldownMs: number;
  circuit: { failureThreshold: number; cooldownMs: number };
  retries: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number };
  /** Whole-request deadline across every attempt and backoff. */
  requestDeadlineMs: number;
  /** At most this many upstream calls per request, over every pass (`retries.maxAttempts` counts passes). */
  maxUpstreamCalls: number;
}

export interface ToolsConfig {
  mcpServers: Array<{ name: string; url: string }>;
  httpGet: { maxBytes: number; timeoutMs: number; allowedHosts: string[] };
  webSearch: { tavilyApiKey?: string };
  /** Tool call timeout over the bus. */
  callTimeoutMs: number;
}

/** JetStream limits of one analytics stream (retention is `limits`: the publisher reads its checkpoint back). */
export interface AnalyticsStreamConfig {
  maxAgeMs: number;
  /** -1: unlimited. */
  maxBytes: number;
}

/** Publishing to NATS JetStream (with `NATS_URL`) and the usage rollup. */
export interface AnalyticsConfig {
  /** `SWITCHBOARD_EVENTS`: every domain event, exactly once. */
  eventsStream: AnalyticsStreamConfig & {
    /** How long JetStream remembers a `Nats-Msg-Id`: a replica's republish inside it is dropped. */
    duplicateWindowMs: number;
  };
  /** `SWITCHBOARD_REQUESTS`: one message per finished /v1 request. */
  requestsStream: AnalyticsStreamConfig;
  /** Finished-request messages held while NATS is slow or away; more are dropped and counted. */
  bufferSize: number;
  /** How often the usage rollup appends its closed minutes (and always on shutdown). */
  usageFlushMs: number;
}
