import { reactStream } from '@switchboard/domain';
import type { EventStore } from '@switchboard/event-store';
import { evolve, initialState } from './react.decider';
import { REACT_EVENT_TYPES, type ReactEvent } from './react.events';
import { toStepEvent, type StepEvent } from './step-events';

export interface SessionReplay {
  id: string;
  status: 'running' | 'finished' | 'failed';
  events: StepEvent[];
}

/** Reads `react-<id>` back into the events that were streamed; `undefined` for an unknown session. */
export async function replaySession(store: EventStore, id: string): Promise<SessionReplay | undefined> {
  const recorded = await store.readStream(reactStream(id));
  const events = recorded
    .filter((e) => (REACT_EVENT_TYPES as readonly string[]).includes(e.type))
    .map((e) => ({ type: e.type, data: e.data }) as ReactEvent);
  const state = events.reduce(evolve, initialState());
  if (state.status === 'none') return undefined;
  return { id, status: state.status, events: events.map(toStepEvent) };
}
