import type { Served } from './route-result';

/**
 * The body the client gets for a non-streaming answer. An OpenAI-speaking upstream's bytes go out
 * untouched (no parse, no re-serialization: the fast path); other types were mapped once, while
 * failover was still possible (`served.answer`).
 */
export function answerBody(served: Served): Buffer | string {
  return served.answer ? JSON.stringify(served.answer) : served.body;
}

/** The same answer as a value, for in-process callers (the ReAct engine's model client). */
export function answerJson(served: Served): Record<string, unknown> {
  return served.answer ?? (JSON.parse(served.body.toString('utf8')) as Record<string, unknown>);
}
