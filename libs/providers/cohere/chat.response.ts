import type { AssistantMessage, ChatCompletion, FinishReason, ToolCall, Usage } from '../shared';
import type { CohereChatResponse, CohereContentPart, CohereFinishReason, CohereUsage } from './cohere-wire';

export function fromCohereChat(body: CohereChatResponse, model: string): ChatCompletion {
  const text = answerText(body.message?.content ?? []);
  const toolCalls: ToolCall[] = (body.message?.tool_calls ?? []).map((c) => ({
    id: c.id,
    type: 'function',
    function: { name: c.function.name, arguments: c.function.arguments ?? '' },
  }));
  const message: AssistantMessage = {
    role: 'assistant',
    content: text || (toolCalls.length ? null : ''),
    ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
    refusal: null,
  };
  return {
    id: `chatcmpl-${body.id}`,
    object: 'chat.completion',
    // Cohere answers carry no timestamp and this function reads no clock: the gateway may stamp it.
    created: 0,
    model,
    choices: [{ index: 0, message, finish_reason: finishReason(body.finish_reason, toolCalls.length > 0), logprobs: null }],
    ...(body.usage ? { usage: toUsage(body.usage) } : {}),
  };
}

/** Reasoning models add `thinking` parts: they are not the answer. */
function answerText(parts: CohereContentPart[]): string {
  return parts
    .filter((p): p is Extract<CohereContentPart, { type: 'text' }> => p.type === 'text')
    .map((p) => p.text)
    .join('');
}

export function finishReason(reason: CohereFinishReason | undefined, calledTools: boolean): FinishReason {
  if (reason === 'MAX_TOKENS') return 'length';
  if (reason === 'TOOL_CALL' || calledTools) return 'tool_calls';
  return 'stop';
}

/** What the client pays for: billed units when Cohere reports them, raw token counts otherwise. */
export function toUsage(usage: CohereUsage): Usage {
  const counted = usage.billed_units ?? usage.tokens ?? {};
  const prompt = counted.input_tokens ?? 0;
  const completion = counted.output_tokens ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}
