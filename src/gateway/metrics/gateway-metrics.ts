import { Injectable, Optional } from '@nestjs/common';
import { KeyPoolProjection, ProviderHealthProjection } from '@switchboard/domain';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { AppendTimings } from '../core/append-timings';
import { ProjectionFeed } from '../core/projection-feed';
import type { RequestObserver, RequestRecord } from '../routing/request-record';
import { asRegistryMetric, TallyCounter, TallyHistogram, type HistogramSeries, type Series } from './tallies';

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const FIRST_TOKEN_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const KEY_STATES = ['available', 'quarantined', 'retired', 'removed'] as const;
const CIRCUIT_STATES = ['closed', 'open', 'half_open'] as const;

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

  private readonly inputTokens = new TallyCounter(
    'switchboard_input_tokens_total',
    'Prompt tokens the answers reported, by model alias, serving provider profile and provider model.',
  );

  private readonly outputTokens = new TallyCounter(
    'switchboard_output_tokens_total',
    'Completion tokens the answers reported, by model alias, serving provider profile and provider model.',
  );

  private readonly firstToken = new TallyHistogram(
    'switchboard_time_to_first_token_seconds',
    'Streams: time from request to the first chunk written to the client, by model alias and serving provider profile.',
    FIRST_TOKEN_BUCKETS,
  );

  /** The projections and the store's timings are the core's; a test may build the metrics alone. */
  constructor(
    @Optional() keys?: KeyPoolProjection,
    @Optional() providers?: ProviderHealthProjection,
    @Optional() feed?: ProjectionFeed,
    @Optional() appends?: AppendTimings,
  ) {
    collectDefaultMetrics({ register: this.registry });
    const tallies = [this.requests, this.attempts, this.duration, this.inputTokens, this.outputTokens, this.firstToken];
    for (const tally of tallies) this.registry.registerMetric(asRegistryMetric(tally));
    if (appends) this.registry.registerMetric(asRegistryMetric(appends.histogram));
    // Read from the projections when scraped: nothing on the request path.
    if (keys)
      new Gauge({
        name: 'switchboard_keys',
        help: 'Keys by provider profile and state (available, quarantined, retired, removed).',
        labelNames: ['provider', 'state'],
        registers: [this.registry],
        collect() {
          this.reset();
          const counts = new Map<string, number>();
          for (const key of keys.list())
            counts.set(`${key.provider}\u0000${key.state}`, (counts.get(`${key.provider}\u0000${key.state}`) ?? 0) + 1);
          for (const provider of new Set(keys.list().map((k) => k.provider)))
            for (const state of KEY_STATES) this.set({ provider, state }, counts.get(`${provider}\u0000${state}`) ?? 0);
        },
      });
    if (providers)
      new Gauge({
        name: 'switchboard_circuit_state',
        help: "1 for each provider profile's current circuit state (closed, open, half_open), 0 for the others.",
        labelNames: ['provider', 'state'],
        registers: [this.registry],
        collect() {
          this.reset();
          for (const provider of providers.list())
            for (const state of CIRCUIT_STATES) this.set({ provider: provider.name, state }, provider.circuit === state ? 1 : 0);
        },
      });
    if (feed)
      new Gauge({
        name: 'switchboard_projection_lag_seconds',
        help: "Seconds from the last applied event's append to this replica applying it (during the catch-up: the age of the history being read).",
        registers: [this.registry],
        collect() {
          this.set(feed.lagSeconds);
        },
      });
  }

  /** One answered client request. `provider` is the serving profile, or `none` when no profile served. */
  request(alias: string, provider: string, status: number, seconds?: number): void {
    this.requests.inc(`${alias}\u0000${provider}\u0000${status}`, () => ({ alias, provider, status: String(status) }));
    if (seconds !== undefined) this.observeDuration(alias, provider, seconds);
  }

  /** A finished /v1 request that reached an alias (refused bodies and unknown models are not counted). */
  requestFinished(record: RequestRecord): void {
    const { alias, profile, model, status } = record;
    if (alias === null) return;
    let last = this.lastFinished;
    if (last === undefined || last.alias !== alias || last.profile !== profile || last.model !== model || last.status !== status)
      last = this.lastFinished = this.finishedSeries(alias, profile, model, status);
    last.requests.value++;
    this.duration.observeIn(last.duration, record.latencyMs / 1000);
    if (record.firstTokenMs !== null)
      this.firstToken.observe(`${alias}\u0000${profile}`, () => ({ alias, provider: profile ?? 'none' }), record.firstTokenMs / 1000);
    if (profile === null || model === null) return;
    const usage = record.usage;
    if (usage === null) return;
    if (last.tokens === undefined) {
      const key = `${alias}\u0000${profile}\u0000${model}`;
      const labels = () => ({ alias, provider: profile, model });
      last.tokens = { input: this.inputTokens.seriesOf(key, labels), output: this.outputTokens.seriesOf(key, labels) };
    }
    last.tokens.input.value += usage.prompt_tokens;
    last.tokens.output.value += usage.completion_tokens;
  }

  /**
   * The series the last finished request counted in, by its labels: a run of requests alike (the
   * usual traffic) adds to them after four comparisons, where building and hashing their keys
   * cost about 5k instructions a request.
   */
  private lastFinished: FinishedSeries | undefined;

  private finishedSeries(alias: string, profile: string | null, model: string | null, status: number): FinishedSeries {
    const provider = profile ?? 'none';
    return {
      alias,
      profile,
      model,
      status,
      requests: this.requests.seriesOf(`${alias}\u0000${provider}\u0000${status}`, () => ({ alias, provider, status: String(status) })),
      duration: this.duration.seriesOf(`${alias}\u0000${provider}`, () => ({ alias, provider })),
      // Made with the first answer that reports usage: a series appears only once it has counted something.
      tokens: undefined,
    };
  }

  observeDuration(alias: string, provider: string, seconds: number): void {
    this.duration.observe(`${alias}\u0000${provider}`, () => ({ alias, provider }), seconds);
  }

  /** One upstream call and what came of it. */
  upstreamAttempt(provider: string, outcome: string): void {
    let last = this.lastAttempt;
    if (last === undefined || last.provider !== provider || last.outcome !== outcome) {
      const series = this.attempts.seriesOf(`${provider}\u0000${outcome}`, () => ({ provider, outcome }));
      last = this.lastAttempt = { provider, outcome, series };
    }
    last.series.value++;
  }

  /** The series the last upstream call counted in (as `lastFinished`). */
  private lastAttempt: { provider: string; outcome: string; series: Series } | undefined;
}

/** The series one kind of finished request counts in: its labels, and the tallies' series for them. */
interface FinishedSeries {
  readonly alias: string;
  readonly profile: string | null;
  readonly model: string | null;
  readonly status: number;
  readonly requests: Series;
  readonly duration: HistogramSeries;
  tokens: { input: Series; output: Series } | undefined;
}
