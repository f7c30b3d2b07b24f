/**
 * One minute of finished requests of one (client, alias, profile, model), as one replica counted
 * them: appended to `usage-<yyyy-mm-dd>` by the usage recorder, at most once per tuple and minute
 * and replica, never per request. Several replicas append their own counts: readers sum them.
 */
export interface UsageRecordedData {
  /** The minute's start, ISO 8601 (`2026-12-06T12:34:00.000Z`). */
  minute: string;
  /** The named client, null for an anonymous or unnamed key. */
  client: string | null;
  /** null: refused before an alias was resolved (bad body, unknown model). */
  alias: string | null;
  /** The profile and provider model that served; null when none did. */
  profile: string | null;
  model: string | null;
  requests: number;
  /** Requests answered with a status of 400 or more (499: the client went away). */
  errors: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}

export type UsageEvent = { type: 'UsageRecorded'; data: UsageRecordedData };

/** `usage-2026-12-06`: the UTC day of the minute. */
export const usageStream = (minuteIso: string): string => `usage-${minuteIso.slice(0, 10)}`;
