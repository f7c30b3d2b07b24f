import type { LoggerService } from '@nestjs/common';
import { usageStream, UsageRollup, type Prices, type UsageRecordedData } from '@switchboard/domain';
import type { EventStore } from '@switchboard/event-store';
import { requestCostUsd, type RequestObserver, type RequestRecord } from '../routing/request-record';

/**
 * Rolls finished requests up per minute and (client, alias, profile, model) and appends each
 * closed minute as `UsageRecorded` to `usage-<yyyy-mm-dd>`: usage becomes durable, replayable and
 * published like every other event, at most one event per tuple, minute and replica. On the
 * request path it is a Map lookup and a few additions; appends happen on a timer
 * (`analytics.usage_flush_ms`) and once more at shutdown, the current minute included.
 */
export class UsageRecorder implements RequestObserver {
  private readonly rollup = new UsageRollup();
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: EventStore,
    private readonly prices: Prices,
    private readonly flushMs: number,
    private readonly logger: LoggerService,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush(false), this.flushMs);
    this.timer.unref();
  }

  requestFinished(record: RequestRecord): void {
    const usage = record.usage;
    this.rollup.add(this.now(), {
      client: record.client,
      alias: record.alias,
      profile: record.profile,
      model: record.model,
      status: record.status,
      inputTokens: usage?.prompt_tokens ?? 0,
      outputTokens: usage?.completion_tokens ?? 0,
      costUsd: requestCostUsd(record, this.prices),
    });
  }

  /** Appends the closed minutes (every minute with `everything`); one flush at a time. */
  flush(everything: boolean): Promise<void> {
    this.flushing = this.flushing.then(() => this.append(this.rollup.take(this.now(), everything)));
    return this.flushing;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush(true);
  }

  private async append(rows: UsageRecordedData[]): Promise<void> {
    const byDay = new Map<string, UsageRecordedData[]>();
    for (const row of rows) {
      const stream = usageStream(row.minute);
      byDay.set(stream, [...(byDay.get(stream) ?? []), row]);
    }
    for (const [stream, dayRows] of byDay) {
      try {
        await this.store.append(
          stream,
          dayRows.map((data) => ({ type: 'UsageRecorded', data: data as unknown as Record<string, unknown> })),
          'any',
        );
      } catch (err) {
        // Kept for the next flush: usage is counted once it is stored, not before.
        this.rollup.restore(dayRows);
        this.logger.warn(
          `usage not recorded yet (${err instanceof Error ? err.message : String(err)}); retried at the next flush`,
          'Usage',
        );
      }
    }
  }
}
