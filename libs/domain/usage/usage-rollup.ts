import type { UsageRecordedData } from './usage.events';

/** What the rollup needs of one finished request. */
export interface FinishedUsage {
  client: string | null;
  alias: string | null;
  profile: string | null;
  model: string | null;
  status: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

const MINUTE_MS = 60_000;

/**
 * Finished requests summed per minute and (client, alias, profile, model), in memory, until a
 * minute is closed and taken out as `UsageRecorded` data. Adding is a Map lookup and a few
 * additions, so it can run on every request.
 */
export class UsageRollup {
  private readonly open = new Map<string, UsageRecordedData>();
  /**
   * The row the last request went to, and its minute and tuple: a run of requests to the same
   * tuple (the usual traffic) finds its row by five comparisons, not by a key string built, hashed
   * and looked up each time (3.8k instructions a request).
   */
  private lastRow: UsageRecordedData | undefined;
  private lastMinuteMs = NaN;

  add(nowMs: number, usage: FinishedUsage): void {
    const minuteMs = nowMs - (nowMs % MINUTE_MS);
    let row = this.lastRow;
    if (
      row === undefined ||
      this.lastMinuteMs !== minuteMs ||
      row.client !== usage.client ||
      row.alias !== usage.alias ||
      row.profile !== usage.profile ||
      row.model !== usage.model
    ) {
      row = this.lastRow = this.row(minuteMs, usage);
      this.lastMinuteMs = minuteMs;
    }
    row.requests++;
    if (usage.status >= 400) row.errors++;
    row.input_tokens += usage.inputTokens;
    row.output_tokens += usage.outputTokens;
    row.cost_usd = roundUsd(row.cost_usd + usage.costUsd);
  }

  /** The open row of this minute and tuple, made when it is the first. */
  private row(minuteMs: number, usage: FinishedUsage): UsageRecordedData {
    const key = `${minuteMs}\u0000${usage.client ?? ''}\u0000${usage.alias ?? ''}\u0000${usage.profile ?? ''}\u0000${usage.model ?? ''}`;
    let row = this.open.get(key);
    if (!row) {
      row = {
        minute: new Date(minuteMs).toISOString(),
        client: usage.client,
        alias: usage.alias,
        profile: usage.profile,
        model: usage.model,
        requests: 0,
        errors: 0,
        input_tokens: 0,
        output_tokens: 0,
        cost_usd: 0,
      };
      this.open.set(key, row);
    }
    return row;
  }

  /** Takes out every minute that ended by `nowMs` (all of them with `everything`, at shutdown), oldest first. */
  take(nowMs: number, everything = false): UsageRecordedData[] {
    // A row taken out is no longer the open one: the next request to its tuple starts a new row.
    this.lastRow = undefined;
    const current = new Date(nowMs - (nowMs % MINUTE_MS)).toISOString();
    const out: UsageRecordedData[] = [];
    for (const [key, row] of this.open) {
      if (!everything && row.minute >= current) continue;
      out.push(row);
      this.open.delete(key);
    }
    return out.sort((a, b) => (a.minute < b.minute ? -1 : a.minute > b.minute ? 1 : 0));
  }

  /** Puts rows back after a failed append, so the next flush tries them again. */
  restore(rows: UsageRecordedData[]): void {
    for (const row of rows) {
      const key = `${Date.parse(row.minute)}\u0000${row.client ?? ''}\u0000${row.alias ?? ''}\u0000${row.profile ?? ''}\u0000${row.model ?? ''}`;
      const again = this.open.get(key);
      if (!again) this.open.set(key, row);
      else {
        again.requests += row.requests;
        again.errors += row.errors;
        again.input_tokens += row.input_tokens;
        again.output_tokens += row.output_tokens;
        again.cost_usd = roundUsd(again.cost_usd + row.cost_usd);
      }
    }
  }
}

/** Sums of USD amounts kept to 1e-10, as `costUsd` rounds each. */
export function roundUsd(usd: number): number {
  return Math.round(usd * 1e10) / 1e10;
}
