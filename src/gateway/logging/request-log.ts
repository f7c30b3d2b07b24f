import type { Logger } from 'pino';
import type { RequestObserver, RequestRecord } from '../routing/request-record';

/**
 * One JSON line per finished /v1 request, from the request record: who asked for what, which
 * profile, model and key (a fingerprint) answered, every attempt with its outcome, status, latency,
 * time to first token and tokens. The fields are copied one by one: the record also holds the
 * answer it reads usage from, which must never reach a log.
 */
export class RequestLog implements RequestObserver {
  constructor(private readonly logger: Logger) {}

  requestFinished(record: RequestRecord): void {
    if (!this.logger.isLevelEnabled('info')) return;
    const usage = record.usage;
    this.logger.info(
      {
        requestId: record.requestId,
        // When tracing is on: the trace holding the request's spans.
        traceId: record.trace?.traceId,
        client: record.client,
        endpoint: record.endpoint,
        alias: record.alias,
        stream: record.stream,
        profile: record.profile,
        model: record.model,
        key: record.key,
        status: record.status,
        attempts: record.attempts.map(({ profile, model, key, status, outcome, reason, ms }) => ({
          profile,
          model,
          key,
          status,
          outcome,
          reason,
          ms: round(ms),
        })),
        latencyMs: round(record.latencyMs),
        ttftMs: record.firstTokenMs === null ? null : round(record.firstTokenMs),
        tokens: usage && { input: usage.prompt_tokens, output: usage.completion_tokens, total: usage.total_tokens },
      },
      'request finished',
    );
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
