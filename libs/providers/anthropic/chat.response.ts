import { usage } from '../shared/chunks';
import type { ChatCompletion, FinishReason, ToolCall, Usage } from '../shared/openai-wire';
import { JSON_ANSWER_TOOL } from './json-answer';
import type { AnthropicResponse, AnthropicStopReason, AnthropicToolUseBlock, AnthropicUsage } from './anthropic-wire';

export interface ResponseIdentity {
  /** The chain entry's model, which the client sees (not the upstream's echo). */
  model: string;
  id: string;
  created: number;
}

export function finishReason(stop: AnthropicStopReason | string | null | undefined): FinishReason | null {
  switch (stop) {
    case 'end_turn':
    case 'stop_sequence':
    case 'pause_turn':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    case null:
    case undefined:
      return null;
    default:
      return 'stop';
  }
}

/** Cached prompt tokens are still prompt tokens to an OpenAI client. */
export function toUsage(u: AnthropicUsage | undefined): Usage {
  const prompt = (u?.input_tokens ?? 0) + (u?.cache_creation_input_tokens ?? 0) + (u?.cache_read_input_tokens ?? 0);
  return usage(prompt, u?.output_tokens ?? 0);
}

export function toToolCall(block: AnthropicToolUseBlock): ToolCall {
  return { id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } };
}

/** Anthropic message -> OpenAI chat.completion. Thinking and server-tool blocks have no OpenAI slot and are left out. */
export function toChatCompletion(message: AnthropicResponse, who: ResponseIdentity): ChatCompletion {
  const blocks = Array.isArray(message.content) ? message.content : [];
  const uses = blocks.filter((b): b is AnthropicToolUseBlock => b.type === 'tool_use');
  const answer = uses.find((b) => b.name === JSON_ANSWER_TOOL);
  // A structured answer is the answer tool's input; any text beside it would break the JSON.
  const text = answer
    ? JSON.stringify(answer.input ?? {})
    : blocks
        .filter((b): b is { type: 'text'; text: string } => b.type === 'text' && typeof b.text === 'string')
        .map((b) => b.text)
        .join('');
  const toolCalls = uses.filter((b) => b !== answer).map(toToolCall);
  const finish = answer && toolCalls.length === 0 && message.stop_reason === 'tool_use' ? 'stop' : finishReason(message.stop_reason);
  return {
    id: who.id,
    object: 'chat.completion',
    created: who.created,
    model: who.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: text.length > 0 || toolCalls.length === 0 ? text : null,
          ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
          refusal: null,
        },
        finish_reason: finish,
        logprobs: null,
      },
    ],
    usage: toUsage(message.usage),
  };
}
