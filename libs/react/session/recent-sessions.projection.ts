import type { RecordedEvent } from '@switchboard/event-store';
import type { ReactEvent } from './react.events';

/** One session as the list of recent sessions shows it. */
export interface SessionSummary {
  id: string;
  alias: string;
  pattern: string;
  status: 'running' | 'finished' | 'failed';
  /** When the session started and when its last step was recorded (ISO 8601). */
  startedAt: string;
  updatedAt: string;
  /** The last step recorded (0 before the first). */
  steps: number;
  /** 0 for a session a client started; deeper for one an agent asked (`ask_agent`). */
  depth: number;
  parentId?: string;
}

const STREAM_PREFIX = 'react-';

/**
 * The most recent ReAct sessions, newest first, from the `react-<id>` streams: what the console
 * lists so any past session can be opened and replayed. Bounded: past `capacity` the oldest
 * started session is forgotten (it still replays by id). An event arriving twice, or one of a
 * session already forgotten, changes nothing.
 */
export class RecentSessionsProjection {
  private readonly sessions = new Map<string, SessionSummary & { revision: number }>();

  constructor(readonly capacity = 500) {}

  apply(event: RecordedEvent): void {
    if (!event.stream.startsWith(STREAM_PREFIX)) return;
    const fact = { type: event.type, data: event.data } as ReactEvent;
    const id = event.stream.slice(STREAM_PREFIX.length);
    const known = this.sessions.get(id);
    if (fact.type === 'SessionStarted') {
      if (known) return;
      const { alias, pattern, depth, parentId, startedAt } = fact.data;
      this.sessions.set(id, {
        id,
        alias,
        pattern,
        status: 'running',
        startedAt,
        updatedAt: event.at,
        steps: 0,
        depth,
        ...(parentId === undefined ? {} : { parentId }),
        revision: event.revision,
      });
      if (this.sessions.size > this.capacity) this.sessions.delete(this.sessions.keys().next().value!);
      return;
    }
    if (!known || event.revision <= known.revision) return;
    known.revision = event.revision;
    known.updatedAt = event.at;
    if ('step' in fact.data && typeof fact.data.step === 'number') known.steps = Math.max(known.steps, fact.data.step);
    if (fact.type === 'AnswerProduced') known.status = 'finished';
    if (fact.type === 'SessionFailed') known.status = 'failed';
  }

  /** The `limit` most recently started sessions, newest first. */
  list(limit: number): SessionSummary[] {
    const newest = [...this.sessions.values()].slice(-limit).reverse();
    return newest.map(({ revision: _revision, ...summary }) => summary);
  }
}
