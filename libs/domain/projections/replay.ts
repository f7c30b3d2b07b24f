import type { RecordedEvent } from '@switchboard/event-store';
import { KeyPoolProjection } from './key-pool.projection';
import { ProviderHealthProjection } from './provider-health.projection';

/**
 * The read models as they stood at `at` (time travel for the admin API): fresh projections fed
 * every event recorded at or before it. Store time follows append order, so the first later
 * event ends the replay.
 */
export async function replayUntil(
  events: AsyncIterable<RecordedEvent>,
  at: Date,
): Promise<{ keys: KeyPoolProjection; providers: ProviderHealthProjection }> {
  const keys = new KeyPoolProjection();
  const providers = new ProviderHealthProjection();
  const atMs = at.getTime();
  for await (const event of events) {
    if (Date.parse(event.at) > atMs) break;
    keys.apply(event);
    providers.apply(event);
  }
  return { keys, providers };
}
