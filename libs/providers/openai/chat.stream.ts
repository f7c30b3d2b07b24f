import { DONE_DATA } from '../http/sse';
import type { SseEvent, StreamMapper, StreamStep } from '../provider';

/** Stateless: an OpenAI-format stream needs no memory between events. */
export type PassthroughState = null;

const EMPTY_CHOICES = /"choices"\s*:\s*\[\s*\]/;

/**
 * True for a chunk the client must not see: no choices and no usage (Azure's opening
 * `prompt_filter_results`, keep-alive bookkeeping). The final usage chunk also has `choices: []`
 * and is kept. Only chunks that textually have empty choices are parsed, so the common path
 * never touches JSON.
 */
export function isBookkeeping(data: string): boolean {
  if (!EMPTY_CHOICES.test(data)) return false;
  try {
    const parsed = JSON.parse(data) as { choices?: unknown; usage?: unknown };
    return Array.isArray(parsed.choices) && parsed.choices.length === 0 && (parsed.usage === undefined || parsed.usage === null);
  } catch {
    return false;
  }
}

/** Each upstream `data:` payload is forwarded as the same string; `[DONE]` ends the stream. */
export function passthroughStep(state: PassthroughState, event: SseEvent): StreamStep<PassthroughState> {
  const data = event.data.trim();
  if (data === DONE_DATA) return { state, chunks: [], done: true };
  if (data === '' || isBookkeeping(data)) return { state, chunks: [] };
  return { state, chunks: [event.data] };
}

export const passthroughStream: StreamMapper<PassthroughState> = {
  init: () => null,
  next: passthroughStep,
};
