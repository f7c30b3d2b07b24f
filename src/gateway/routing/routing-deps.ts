import type { RoutingConfig } from '@switchboard/config';
import type { KeyView, ProviderView } from '@switchboard/domain';
import type { CircuitBreakers } from './circuit-breakers';
import type { RequestObserver } from './request-record';

/** The key-pool projection as the hot path reads it (synchronous, in memory). */
export interface KeyPicker {
  /**
   * Least-recently-used available key of the profile, not in `exclude`; marks it used. A key whose
   * cooldown just ended is handed to one request at a time, as its trial (`onTrial`).
   */
  pick(provider: string, nowMs: number, exclude?: ReadonlySet<string>): KeyView | undefined;
  /** The key just picked is a half-open key's one trial call. */
  onTrial(fingerprint: string): boolean;
  /** The trial is over: a success puts the key back (ramping up), anything else leaves it out. */
  endTrial(fingerprint: string, nowMs: number, succeeded: boolean): void;
  /** Epoch ms when the earliest quarantined key of these profiles comes back. */
  earliestAvailableAt(providers: string[], nowMs: number): number | undefined;
  /** Out of rotation until `untilMs` at once, before the quarantine is stored. */
  coolDown(fingerprint: string, untilMs: number): void;
}

export interface HealthReader {
  get(name: string): ProviderView | undefined;
}

/** The key vault: the only holder of secrets. */
export interface SecretSource {
  secret(fingerprint: string): string | undefined;
  /** The keys a profile holds, by fingerprint: what an upstream error is scrubbed of. */
  fingerprints(profile: string): string[];
}

/** The CQRS command bus: state changes go through it and are applied before it resolves. */
export interface CommandSender {
  execute(command: object): Promise<unknown>;
}

/** What the router counts; success is a metric, never an event. */
export interface RoutingMetrics {
  upstreamAttempt(provider: string, outcome: string): void;
}

export interface RoutingDeps {
  keys: KeyPicker;
  health: HealthReader;
  secrets: SecretSource;
  commands: CommandSender;
  circuits: CircuitBreakers;
  routing: RoutingConfig;
  metrics?: RoutingMetrics;
  /** Told about every finished /v1 request; registered once at start-up (see `request-record.ts`). */
  observers: readonly RequestObserver[];
  /** The wall clock (epoch ms): deadlines, cooldowns, the answer's date. Injectable for tests. */
  now(): number;
  random(): number;
  /** Rare operational trouble (a command that could not be stored); never per request. */
  warn(message: string): void;
}
