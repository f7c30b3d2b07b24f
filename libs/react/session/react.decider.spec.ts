import type { ReactCommand } from './react.commands';
import { decide, evolve, initialState, ReactSessionError } from './react.decider';
import type { ReactEvent } from './react.events';

const now = new Date('2026-01-01T00:00:00.000Z');
const id = 's1';

const started = (depth = 0, parentId?: string): ReactEvent => ({
  type: 'SessionStarted',
  data: { sessionId: id, alias: 'agent', pattern: 'basic_react', depth, ...(parentId ? { parentId } : {}), startedAt: now.toISOString() },
});
const thought = (step: number, text = 'think'): ReactEvent => ({ type: 'ThoughtRecorded', data: { step, text } });
const action = (step: number): ReactEvent => ({
  type: 'ActionRequested',
  data: { step, tool: 'calculator', input: { expression: '1+1' } },
});
const answered = (step: number): ReactEvent => ({ type: 'AnswerProduced', data: { step, content: '2' } });
const failed = (step: number, message = 'boom'): ReactEvent => ({ type: 'SessionFailed', data: { step, message } });

const start = (parentId?: string): ReactCommand => ({
  type: 'StartSession',
  data: { sessionId: id, alias: 'agent', pattern: 'basic_react', depth: parentId ? 1 : 0, parentId, now },
});
const recordThought = (step: number, text = 'think'): ReactCommand => ({ type: 'RecordThought', data: { step, text } });
const observe = (step: number, result: { output?: unknown; error?: string }): ReactCommand => ({
  type: 'RecordObservation',
  data: { step, tool: 'calculator', ...result },
});
const answer = (step: number): ReactCommand => ({ type: 'ProduceAnswer', data: { step, content: '2' } });
const fail = (step: number, message = 'boom'): ReactCommand => ({ type: 'FailSession', data: { step, message } });

function given(...history: ReactEvent[]) {
  const state = history.reduce(evolve, initialState());
  return {
    when: (command: ReactCommand) => ({
      then: (expected: ReactEvent[]) => expect(decide(command, state)).toEqual(expected),
      thenRefuses: (code: ReactSessionError['code']) => {
        expect(() => decide(command, state)).toThrow(ReactSessionError);
        try {
          decide(command, state);
        } catch (error) {
          expect((error as ReactSessionError).code).toBe(code);
        }
      },
    }),
    status: () => state.status,
  };
}

describe('react session decider', () => {
  describe('when nothing happened yet', () => {
    it('starts a session with its time', () => given().when(start()).then([started()]));
    it('records the parent of a nested session', () =>
      given()
        .when(start('parent'))
        .then([started(1, 'parent')]));
    it('refuses a step before the start', () => given().when(recordThought(1)).thenRefuses('SESSION_NOT_STARTED'));
  });

  describe('when running', () => {
    it('records a thought', () =>
      given(started())
        .when(recordThought(1, 'hmm'))
        .then([thought(1, 'hmm')]));
    it('records an observation with its output', () =>
      given(started(), action(1))
        .when(observe(1, { output: 2 }))
        .then([{ type: 'ObservationRecorded', data: { step: 1, tool: 'calculator', output: 2 } }]));
    it('records an observation with its error and no output field', () =>
      given(started(), action(1))
        .when(observe(1, { error: 'division by zero' }))
        .then([{ type: 'ObservationRecorded', data: { step: 1, tool: 'calculator', error: 'division by zero' } }]));
    it('produces the answer', () =>
      given(started(), thought(1))
        .when(answer(2))
        .then([answered(2)]));
    it('refuses a step that goes backwards', () => given(started(), thought(3)).when(recordThought(2)).thenRefuses('STEP_OUT_OF_ORDER'));
    it('refuses a second start', () => given(started()).when(start()).thenRefuses('SESSION_ALREADY_STARTED'));
    it('is running', () => expect(given(started(), thought(1)).status()).toBe('running'));
  });

  describe('when finished', () => {
    it('is finished', () => expect(given(started(), answered(1)).status()).toBe('finished'));
    it('refuses another thought', () => given(started(), answered(1)).when(recordThought(2)).thenRefuses('SESSION_CLOSED'));
    it('ignores a late failure (client left after the answer)', () => given(started(), answered(1)).when(fail(1)).then([]));
  });

  describe('when failed', () => {
    it('is failed', () => expect(given(started(), failed(2)).status()).toBe('failed'));
    it('refuses an answer', () => given(started(), failed(2)).when(answer(3)).thenRefuses('SESSION_CLOSED'));
    it('fails only once', () => given(started(), failed(2)).when(fail(2, 'again')).then([]));
  });
});
