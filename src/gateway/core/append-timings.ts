import type { EventStore } from '@switchboard/event-store';
import { TallyHistogram } from '../metrics/tallies';

const APPEND_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * How long the event store takes to append, whichever adapter it is. Appends are state changes
 * only (a success appends nothing), so timing each costs the request path nothing.
 */
export class AppendTimings {
  readonly histogram = new TallyHistogram(
    'switchboard_event_store_append_duration_seconds',
    'Time to append the events of one command to the event store, failed appends included.',
    APPEND_BUCKETS,
  );

  /** The same store, its appends timed. */
  wrap(store: EventStore): EventStore {
    const append = store.append.bind(store);
    const histogram = this.histogram;
    store.append = async (...args: Parameters<EventStore['append']>) => {
      const started = performance.now();
      try {
        return await append(...args);
      } finally {
        histogram.observe('', () => ({}), (performance.now() - started) / 1000);
      }
    };
    return store;
  }
}
