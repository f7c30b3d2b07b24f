import { AppendResult, ConcurrencyError, ExpectedRevision, RecordedEvent } from './event-store';

/** Revision of a stream's last event, or -1 when the stream has no events. */
export type CurrentRevision = number;

export const NO_STREAM_REVISION = -1;

/** The error to throw when `expected` does not describe the stream's `current` revision, or undefined when it does. */
export function revisionMismatch(stream: string, expected: ExpectedRevision, current: CurrentRevision): ConcurrencyError | undefined {
  if (expected === 'any') return undefined;
  const wanted = expected === 'no_stream' ? NO_STREAM_REVISION : expected;
  if (wanted === current) return undefined;
  return new ConcurrencyError(stream, expected, current === NO_STREAM_REVISION ? 'no_stream' : current);
}

/** What an append that wrote `recorded` (at least one event) returns. */
export function appended(recorded: RecordedEvent[]): AppendResult {
  const last = recorded[recorded.length - 1];
  return { nextRevision: last.revision, position: last.position, recorded };
}

/** What an append of no events returns: the stream as it stands, from its last event (none: no stream). */
export function nothingAppended(last: { revision: number; position: bigint } | undefined): AppendResult {
  return last
    ? { nextRevision: last.revision, position: last.position, recorded: [] }
    : { nextRevision: NO_STREAM_REVISION, position: 0n, recorded: [] };
}
