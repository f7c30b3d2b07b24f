import type { ReactCommand } from './react.commands';
import type { ReactEvent } from './react.events';

/*
 * Invariants: a session starts once; nothing is recorded before it starts or after it has
 * finished (answer) or failed; steps never go backwards. Failing a closed session is a no-op,
 * so a late client disconnect after the answer is harmless.
 */

export type SessionStatus = 'none' | 'running' | 'finished' | 'failed';

export interface ReactSessionState {
  status: SessionStatus;
  sessionId?: string;
  step: number;
}

export class ReactSessionError extends Error {
  constructor(
    readonly code: 'SESSION_NOT_STARTED' | 'SESSION_ALREADY_STARTED' | 'SESSION_CLOSED' | 'STEP_OUT_OF_ORDER',
    message: string,
  ) {
    super(message);
    this.name = 'ReactSessionError';
  }
}

export const initialState = (): ReactSessionState => ({ status: 'none', step: 0 });

export function decide(command: ReactCommand, state: ReactSessionState): ReactEvent[] {
  if (command.type === 'StartSession') {
    if (state.status !== 'none') throw new ReactSessionError('SESSION_ALREADY_STARTED', 'session already started');
    const { now, ...data } = command.data;
    return [{ type: 'SessionStarted', data: { ...withoutUndefined(data), startedAt: now.toISOString() } }];
  }
  if (command.type === 'FailSession' && (state.status === 'finished' || state.status === 'failed')) return [];
  if (state.status === 'none') throw new ReactSessionError('SESSION_NOT_STARTED', 'session not started');
  if (state.status !== 'running') throw new ReactSessionError('SESSION_CLOSED', `session already ${state.status}`);
  if (command.data.step < state.step) {
    throw new ReactSessionError('STEP_OUT_OF_ORDER', `step ${command.data.step} after step ${state.step}`);
  }
  switch (command.type) {
    case 'RecordThought':
      return [{ type: 'ThoughtRecorded', data: command.data }];
    case 'RequestAction':
      return [{ type: 'ActionRequested', data: command.data }];
    case 'RecordObservation':
      return [{ type: 'ObservationRecorded', data: withoutUndefined(command.data) }];
    case 'ProduceAnswer':
      return [{ type: 'AnswerProduced', data: command.data }];
    case 'FailSession':
      return [{ type: 'SessionFailed', data: command.data }];
  }
}

export function evolve(state: ReactSessionState, event: ReactEvent): ReactSessionState {
  switch (event.type) {
    case 'SessionStarted':
      return { status: 'running', sessionId: event.data.sessionId, step: 0 };
    case 'AnswerProduced':
      return { ...state, status: 'finished', step: event.data.step };
    case 'SessionFailed':
      return { ...state, status: 'failed', step: event.data.step };
    default:
      return { ...state, step: Math.max(state.step, event.data.step) };
  }
}

export const reactSessionDecider = { decide, evolve, initialState };

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
