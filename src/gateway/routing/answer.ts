import type { Operation } from '@switchboard/providers';
import type { Served } from './route-request';

/**
 * The body the client gets for a non-streaming answer. An OpenAI-speaking upstream's bytes go out
 * untouched (no parse, no re-serialization: the fast path); other types are mapped once.
 */
export function answerBody(op: Operation, served: Served): Buffer | string {
  const { provider } = served.target;
  if (served.target.passthrough || !provider.response) return served.body;
  return JSON.stringify(provider.response(op, JSON.parse(served.body.toString('utf8')), served.ctx));
}

/** The same answer as a value, for in-process callers (the ReAct engine's model client). */
export function answerJson(op: Operation, served: Served): Record<string, unknown> {
  const { provider } = served.target;
  const parsed: unknown = JSON.parse(served.body.toString('utf8'));
  if (served.target.passthrough || !provider.response) return parsed as Record<string, unknown>;
  return provider.response(op, parsed, served.ctx);
}
