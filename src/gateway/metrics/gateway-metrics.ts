import { Injectable } from '@nestjs/common';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { RequestObserver, RequestRecord } from '../routing/request-record';
import { asRegistryMetric, TallyCounter, TallyHistogram } from './tallies';

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/**
 * The gateway's Prometheus metrics, in a registry of its own (several gateways can live in one
 * process, e.g. in tests). The request path adds to plain tallies (see `tallies.ts`); prom-client
 * formats them, with its default process metrics, when `/metrics` is scraped.
 */
@Injectable()
export class GatewayMetrics implements RequestObserver {
  readonly registry = new Registry();

  private readonly requests = new TallyCounter(
    'switchboard_requests_total',
    'Client requests answered, by model alias, serving provider profile and HTTP status.',
  );

  private readonly attempts = new TallyCounter(
    'switchboard_upstream_attempts_total',
    'Upstream calls, by provider profile and outcome (ok, client_error, retire, quarantine, rate_limited, timeout, connection_error, ...).',
  );

  private readonly duration = new TallyHistogram(
    'switchboard_request_duration_seconds',
    'Time from request to the last byte of the answer, by model alias and serving provider profile.',
    DURATION_BUCKETS,
  );

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    for (const tally of [this.requests, this.attempts, this.duration]) this.registry.registerMetric(asRegistryMetric(tally));
  }

  /** One answered client request. `provider` is the serving profile, or `none` when no profile served. */
  request(alias: string, provider: string, status: number, seconds?: number): void {
    this.requests.inc(`${alias}\u0000${provider}\u0000${status}`, () => ({ alias, provider, status: String(status) }));
    if (seconds !== undefined) this.observeDuration(alias, provider, seconds);
  }

  /** A finished /v1 request that reached an alias (refused bodies and unknown models are not counted). */
  requestFinished(record: RequestRecord): void {
    if (record.alias !== null) this.request(record.alias, record.profile ?? 'none', record.status, record.latencyMs / 1000);
  }

  observeDuration(alias: string, provider: string, seconds: number): void {
    this.duration.observe(`${alias}\u0000${provider}`, () => ({ alias, provider }), seconds);
  }

  /** One upstream call and what came of it. */
  upstreamAttempt(provider: string, outcome: string): void {
    this.attempts.inc(`${provider}\u0000${outcome}`, () => ({ provider, outcome }));
  }
}
