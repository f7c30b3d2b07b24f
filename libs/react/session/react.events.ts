/** Facts of one ReAct session, on stream `react-<sessionId>`. JSON-safe, never a secret. */
export type SessionStarted = {
  type: 'SessionStarted';
  data: { sessionId: string; alias: string; pattern: string; depth: number; parentId?: string; startedAt: string };
};
export type ThoughtRecorded = { type: 'ThoughtRecorded'; data: { step: number; text: string } };
export type ActionRequested = { type: 'ActionRequested'; data: { step: number; tool: string; input: unknown } };
export type ObservationRecorded = {
  type: 'ObservationRecorded';
  data: { step: number; tool: string | null; output?: unknown; error?: string };
};
export type AnswerProduced = { type: 'AnswerProduced'; data: { step: number; content: string } };
export type SessionFailed = { type: 'SessionFailed'; data: { step: number; message: string } };

export type ReactEvent = SessionStarted | ThoughtRecorded | ActionRequested | ObservationRecorded | AnswerProduced | SessionFailed;

export type ReactEventType = ReactEvent['type'];

export const REACT_EVENT_TYPES: readonly ReactEventType[] = [
  'SessionStarted',
  'ThoughtRecorded',
  'ActionRequested',
  'ObservationRecorded',
  'AnswerProduced',
  'SessionFailed',
];
