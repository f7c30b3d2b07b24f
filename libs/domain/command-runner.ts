import { ConcurrencyError, type EventStore, type NewEvent, type RecordedEvent } from '@switchboard/event-store';
import type { Decider } from './decider';

export interface RunCommandOptions {
  /** How many times to read, decide and append before a conflict is rethrown. */
  maxAttempts?: number;
}

export interface CommandResult {
  /**
   * The stream as read for the decision that stood. It may hold events of other processes that
   * this process's subscription has not delivered yet: a local apply must apply them before
   * `recorded`, or the projection (which ignores revisions at or below the last one applied)
   * would skip them for good when the subscription brings them.
   */
  history: RecordedEvent[];
  /** What was appended, in order; `[]` when nothing changed (no append). */
  recorded: RecordedEvent[];
}

const DEFAULT_MAX_ATTEMPTS = 10;

/**
 * Read the stream, fold it, decide, append with the expected revision. On a conflict another
 * writer got there first: re-read and decide again, which is harmless because deciding twice
 * decides `[]` once the change is in.
 */
export async function runCommand<C, E extends NewEvent, S>(
  store: Pick<EventStore, 'readStream' | 'append'>,
  stream: string,
  decider: Decider<C, E, S>,
  command: C,
  opts: RunCommandOptions = {},
): Promise<CommandResult> {
  const maxAttempts = opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  for (let attempt = 1; ; attempt++) {
    const history = await store.readStream(stream);
    let state = decider.initialState();
    for (const recorded of history) state = decider.evolve(state, recorded as unknown as E);
    const events = decider.decide(command, state);
    if (events.length === 0) return { history, recorded: [] };
    const expected = history.length === 0 ? 'no_stream' : history[history.length - 1].revision;
    try {
      const result = await store.append(stream, events, expected);
      return { history, recorded: result.recorded };
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || attempt >= maxAttempts) throw error;
    }
  }
}
