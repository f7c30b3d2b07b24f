import { Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

type CounterChild = ReturnType<Counter<string>['labels']>;
type HistogramChild = ReturnType<Histogram<string>['labels']>;

/**
 * The gateway's Prometheus metrics, in a registry of its own (several gateways can live in one
 * process, e.g. in tests). Label children are created once per label combination and cached, so
 * counting a request does no label hashing or allocation after the first time.
 */
@Injectable()
export class GatewayMetrics {
  readonly registry = new Registry();

  private readonly requests = new Counter({
    name: 'switchboard_requests_total',
    help: 'Client requests answered, by model alias, serving provider profile and HTTP status.',
    labelNames: ['alias', 'provider', 'status'],
    registers: [this.registry],
  });

  private readonly attempts = new Counter({
    name: 'switchboard_upstream_attempts_total',
    help: 'Upstream calls, by provider profile and outcome (ok, client_error, retire, quarantine, rate_limited, timeout, connection_error, ...).',
    labelNames: ['provider', 'outcome'],
    registers: [this.registry],
  });

  private readonly duration = new Histogram({
    name: 'switchboard_request_duration_seconds',
    help: 'Time from request to the last byte of the answer, by model alias and serving provider profile.',
    labelNames: ['alias', 'provider'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });

  private readonly requestChildren = new Map<string, CounterChild>();
  private readonly attemptChildren = new Map<string, CounterChild>();
  private readonly durationChildren = new Map<string, HistogramChild>();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** One answered client request. `provider` is the serving profile, or `none` when no profile served. */
  request(alias: string, provider: string, status: number, seconds?: number): void {
    const key = `${alias}\u0000${provider}\u0000${status}`;
    let child = this.requestChildren.get(key);
    if (!child) {
      child = this.requests.labels(alias, provider, String(status));
      this.requestChildren.set(key, child);
    }
    child.inc();
    if (seconds !== undefined) this.observeDuration(alias, provider, seconds);
  }

  observeDuration(alias: string, provider: string, seconds: number): void {
    const key = `${alias}\u0000${provider}`;
    let child = this.durationChildren.get(key);
    if (!child) {
      child = this.duration.labels(alias, provider);
      this.durationChildren.set(key, child);
    }
    child.observe(seconds);
  }

  /** One upstream call and what came of it. */
  upstreamAttempt(provider: string, outcome: string): void {
    const key = `${provider}\u0000${outcome}`;
    let child = this.attemptChildren.get(key);
    if (!child) {
      child = this.attempts.labels(provider, outcome);
      this.attemptChildren.set(key, child);
    }
    child.inc();
  }
}
