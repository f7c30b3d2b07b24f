import type { RecordedEvent } from '@switchboard/event-store';

/**
 * Remembers the last revision applied per stream and the highest global position seen, because
 * every event arrives twice (the local apply after an append, then the subscription).
 * An event at or below the last revision is dropped, so whoever applies a stream's events must
 * apply them without gaps: a local apply passes the stream it decided on before what it appended
 * (see `CommandResult.history`), never a later revision alone.
 */
export class StreamRevisions {
  private readonly last = new Map<string, number>();
  position = 0n;

  /** Moves the checkpoint: also for events of other categories, which the projection skips. */
  advance(event: RecordedEvent): void {
    if (event.position > this.position) this.position = event.position;
  }

  /**
   * Forgets what was applied to `stream` after `revision` (-1: all of it), so the stream's real
   * events can be applied again over provisional ones (decided while the store was unreachable).
   */
  rewind(stream: string, revision: number): void {
    const last = this.last.get(stream);
    if (last === undefined || last <= revision) return;
    if (revision < 0) this.last.delete(stream);
    else this.last.set(stream, revision);
  }

  /** True when `event` is new for its stream; records it as applied. */
  admit(event: RecordedEvent): boolean {
    const last = this.last.get(event.stream);
    if (last !== undefined && event.revision <= last) return false;
    this.last.set(event.stream, event.revision);
    return true;
  }
}
