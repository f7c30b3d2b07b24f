import type { SseEvent, StreamMapper, StreamStep } from '../provider';
import { passthroughStep, type PassthroughState } from '../openai/chat.stream';

/**
 * Azure speaks the OpenAI stream format with additions: the opening chunk has `choices: []` and
 * only `prompt_filter_results` (dropped, like any choice-less chunk without usage), and with the
 * asynchronous content filter some chunks carry a choice with annotations but no `delta`, which
 * the OpenAI SDKs expect on every choice; those get an empty one. Everything else is forwarded
 * byte-for-byte.
 */
export function azureStep(state: PassthroughState, event: SseEvent): StreamStep<PassthroughState> {
  const step = passthroughStep(state, event);
  if (step.chunks.length === 0 || event.data.includes('"delta"')) return step;
  return { state, chunks: step.chunks.map((c) => withDeltas(c as string)) };
}

function withDeltas(data: string): string {
  try {
    const parsed = JSON.parse(data) as { choices?: Array<Record<string, unknown>> };
    if (!Array.isArray(parsed.choices)) return data;
    for (const choice of parsed.choices) choice.delta ??= {};
    return JSON.stringify(parsed);
  } catch {
    return data;
  }
}

export const azureStream: StreamMapper<PassthroughState> = {
  init: () => null,
  next: azureStep,
};
