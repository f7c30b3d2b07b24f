/** What the engine asks of a session; each becomes at most one event. */
export type StartSession = {
  type: 'StartSession';
  data: { sessionId: string; alias: string; pattern: string; depth: number; parentId?: string; now: Date };
};
export type RecordThought = { type: 'RecordThought'; data: { step: number; text: string } };
export type RequestAction = { type: 'RequestAction'; data: { step: number; tool: string; input: unknown } };
export type RecordObservation = {
  type: 'RecordObservation';
  data: { step: number; tool: string | null; output?: unknown; error?: string };
};
export type ProduceAnswer = { type: 'ProduceAnswer'; data: { step: number; content: string } };
export type FailSession = { type: 'FailSession'; data: { step: number; message: string } };

export type ReactCommand = StartSession | RecordThought | RequestAction | RecordObservation | ProduceAnswer | FailSession;
