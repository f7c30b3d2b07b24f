import type { EventStore } from '@switchboard/event-store';
import { activeTracer, inSpan, SpanKind } from '@switchboard/telemetry';

/**
 * The same store, each append a span (`event-store append <category>`) under whatever is active:
 * a command's handler, a ReAct step. Untouched when tracing is off. Appends are state changes only,
 * never one per request, so the span costs the request path nothing.
 */
export function traceAppends(store: EventStore): EventStore {
  if (activeTracer() === undefined) return store;
  const append = store.append.bind(store);
  store.append = (...args: Parameters<EventStore['append']>) => {
    const [stream, events] = args;
    const category = stream.slice(0, Math.max(0, stream.indexOf('-'))) || stream;
    return inSpan(
      `event-store append ${category}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'switchboard.event_store.stream': stream,
          'switchboard.event_store.events': events.length,
          'switchboard.event_store.types': events.map((e) => e.type).join(','),
        },
      },
      () => append(...args),
    );
  };
  return store;
}
