import type { AssistantMessage, ChatCompletion, FinishReason, ToolCall, Usage } from '../shared';
import type { CohereChatResponse, CohereContentPart, CohereFinishReason, CohereUsage } from './cohere-wire';

/**
 * `created` comes from the router: Cohere answers carry no timestamp and this reads no clock.
 * With tool calls, Cohere puts the text that goes with them in `tool_plan` (the request side maps
 * the content of such an assistant message there), so without other text it is the content.
 */
export function fromCohereChat(body: CohereChatResponse, who: { model: string; created: number }): ChatCompletion {
  const text = answerText(body.message?.content ?? []) || (body.message?.tool_plan ?? '');
  const toolCalls: ToolCall[] = (body.message?.tool_calls ?? []).map((c) => ({
    id: c.id,
    type: 'function',
    // A call without arguments says `{}`, as every adapter does: `""` is no JSON a client can parse.
    function: { name: c.function.name, arguments: c.function.arguments || '{}' },
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
    created: who.created,
    model: who.model,
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

/**
 * OpenAI has no finish reason for a generation that failed (`ERROR`) or ran out of time
 * (`TIMEOUT`) part way. `stop` would tell the client the answer is whole; `length` is the reason
 * OpenAI clients already treat as "cut short, incomplete", which is what both mean to a caller.
 */
export function finishReason(reason: CohereFinishReason | undefined, calledTools: boolean): FinishReason {
  if (reason === 'MAX_TOKENS' || reason === 'ERROR' || reason === 'TIMEOUT') return 'length';
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
