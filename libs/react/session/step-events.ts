import type { ReactEvent } from './react.events';

export type StepEventType = 'session' | 'thought' | 'action' | 'observation' | 'answer' | 'error';

/** One event as the client sees it on the SSE stream (and in a replay). */
export interface StepEvent {
  type: StepEventType;
  data: Record<string, unknown>;
}

/**
 * The one mapping from a recorded fact to what the client sees, used both while streaming and
 * when replaying, so a replay equals the stream by construction.
 */
export function toStepEvent(event: ReactEvent): StepEvent {
  switch (event.type) {
    case 'SessionStarted':
      return { type: 'session', data: { id: event.data.sessionId } };
    case 'ThoughtRecorded':
      return { type: 'thought', data: { text: event.data.text, step: event.data.step } };
    case 'ActionRequested':
      return { type: 'action', data: { tool: event.data.tool, input: event.data.input, step: event.data.step } };
    case 'ObservationRecorded': {
      const { step, tool, error, output } = event.data;
      return { type: 'observation', data: error !== undefined ? { tool, error, step } : { tool, output, step } };
    }
    case 'AnswerProduced':
      return { type: 'answer', data: { content: event.data.content, step: event.data.step } };
    case 'SessionFailed':
      return { type: 'error', data: { message: event.data.message, step: event.data.step } };
  }
}
