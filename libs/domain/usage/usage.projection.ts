import type { RecordedEvent } from '@switchboard/event-store';
import { StreamRevisions } from '../projections/stream-revisions';
import { roundUsd } from './usage-rollup';
import type { UsageRecordedData } from './usage.events';

export type UsageGrouping = 'client' | 'alias' | 'provider' | 'model' | 'day';
export const USAGE_GROUPINGS: readonly UsageGrouping[] = ['client', 'alias', 'provider', 'model', 'day'];

export interface UsageTotals {
  requests: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}

export interface UsageRow extends UsageTotals {
  /** The group's value: a client, alias, provider profile, provider model or UTC day; null for none. */
  key: string | null;
}

/**
 * Every `UsageRecorded` in memory (one row per replica, minute and tuple: small), answering sums
 * over a time range grouped one way. Fed by a subscription over all events; repeats are ignored.
 */
export class UsageProjection {
  private readonly rows: UsageRecordedData[] = [];
  private readonly revisions = new StreamRevisions();

  get position(): bigint {
    return this.revisions.position;
  }

  apply(recorded: RecordedEvent): void {
    this.revisions.advance(recorded);
    if (recorded.type !== 'UsageRecorded' || !recorded.stream.startsWith('usage-') || !this.revisions.admit(recorded)) return;
    this.rows.push(recorded.data as unknown as UsageRecordedData);
  }

  /** Minutes starting in [from, to), grouped `by`, largest cost first; with the overall total. */
  query(fromMs: number, toMs: number, by: UsageGrouping): { rows: UsageRow[]; total: UsageTotals } {
    const groups = new Map<string | null, UsageRow>();
    const total = emptyTotals();
    for (const row of this.rows) {
      const at = Date.parse(row.minute);
      if (at < fromMs || at >= toMs) continue;
      const key = groupOf(row, by);
      let group = groups.get(key);
      if (!group) groups.set(key, (group = { key, ...emptyTotals() }));
      addTo(group, row);
      addTo(total, row);
    }
    const rows = [...groups.values()].sort((a, b) => b.cost_usd - a.cost_usd || b.requests - a.requests);
    return { rows, total };
  }
}

function groupOf(row: UsageRecordedData, by: UsageGrouping): string | null {
  switch (by) {
    case 'client':
      return row.client;
    case 'alias':
      return row.alias;
    case 'provider':
      return row.profile;
    case 'model':
      return row.model;
    case 'day':
      return row.minute.slice(0, 10);
  }
}

function emptyTotals(): UsageTotals {
  return { requests: 0, errors: 0, input_tokens: 0, output_tokens: 0, cost_usd: 0 };
}

function addTo(sum: UsageTotals, row: UsageTotals): void {
  sum.requests += row.requests;
  sum.errors += row.errors;
  sum.input_tokens += row.input_tokens;
  sum.output_tokens += row.output_tokens;
  sum.cost_usd = roundUsd(sum.cost_usd + row.cost_usd);
}
