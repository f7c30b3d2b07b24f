import type { RecordedEvent } from '@switchboard/event-store';
import { KeyPoolProjection } from './key-pool.projection';
import { ProviderHealthProjection } from './provider-health.projection';
import type { KeyView, ProviderView } from './views';

/** How many events a replay applies between two turns of the event loop (well under a ms of work). */
const EVENTS_PER_TURN = 100;

/** Both read models as they stood right after the event at `position` (recorded at `atMs`). */
export interface ProjectionCheckpoint {
  position: bigint;
  atMs: number;
  keys: readonly KeyView[];
  providers: readonly ProviderView[];
}

/**
 * The read models as they stood at `at` (time travel for the admin API): projections fed every
 * event recorded at or before it, starting from `from` (a checkpoint at or before `at`; the
 * caller reads `events` after its position) or from nothing. Store time follows append order, so
 * the first later event ends the replay. It yields to the event loop every few hundred events:
 * a long replay must not hold up health checks and requests.
 */
export async function replayUntil(
  events: AsyncIterable<RecordedEvent>,
  at: Date,
  from?: ProjectionCheckpoint,
): Promise<{ keys: KeyPoolProjection; providers: ProviderHealthProjection }> {
  const keys = from ? KeyPoolProjection.fromViews(from.keys, from.position) : new KeyPoolProjection();
  const providers = from ? ProviderHealthProjection.fromViews(from.providers, from.position) : new ProviderHealthProjection();
  const atMs = at.getTime();
  let sinceTurn = 0;
  for await (const event of events) {
    if (Date.parse(event.at) > atMs) break;
    keys.apply(event);
    providers.apply(event);
    if (++sinceTurn === EVENTS_PER_TURN) {
      sinceTurn = 0;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return { keys, providers };
}

/**
 * Checkpoints of both read models, taken as the ordered feed applies events, so time travel
 * replays at most one spacing's worth of events instead of the whole store. Memory stays bounded:
 * when `max` are kept, every other one is dropped and the spacing doubles.
 */
export class ProjectionCheckpoints {
  private readonly taken: ProjectionCheckpoint[] = [];
  private sinceLast = 0;

  constructor(
    private every = 10_000,
    private readonly max = 128,
  ) {}

  /**
   * Called by the ordered feed after it applied `event` to both projections. A checkpoint is
   * taken only when neither projection ran ahead of the feed (a local apply after an append), so
   * it holds exactly the events up to `event`.
   */
  afterApply(event: RecordedEvent, keys: KeyPoolProjection, providers: ProviderHealthProjection): void {
    if (++this.sinceLast < this.every || keys.position !== event.position || providers.position !== event.position) return;
    this.sinceLast = 0;
    this.taken.push({ position: event.position, atMs: Date.parse(event.at), keys: keys.list(), providers: providers.list() });
    if (this.taken.length <= this.max) return;
    for (let i = this.taken.length - 2; i >= 0; i -= 2) this.taken.splice(i, 1);
    this.every *= 2;
  }

  /** The latest checkpoint recorded at or before `at`, if any. */
  latestAtOrBefore(at: Date): ProjectionCheckpoint | undefined {
    const atMs = at.getTime();
    for (let i = this.taken.length - 1; i >= 0; i--) if (this.taken[i].atMs <= atMs) return this.taken[i];
    return undefined;
  }
}
