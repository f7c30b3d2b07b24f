import type { ChatCompletion, FinishReason, ToolCall, Usage } from '@switchboard/providers';
import type { Message, MessagesUsage, StopReason, ToolUseBlock } from './messages-wire';

export interface MessageIdentity {
  id: string;
  /** The alias the client asked for. */
  model: string;
}

export function stopReason(finish: FinishReason | null | undefined): StopReason | null {
  switch (finish) {
    case 'stop':
      return 'end_turn';
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return null;
  }
}

/** Cached prompt tokens are reported apart by Anthropic; chat counts them inside prompt_tokens. */
export function toMessagesUsage(usage: Usage | null | undefined): MessagesUsage {
  const cached = ((usage?.prompt_tokens_details ?? {}) as { cached_tokens?: number }).cached_tokens ?? 0;
  return {
    input_tokens: (usage?.prompt_tokens ?? 0) - cached,
    output_tokens: usage?.completion_tokens ?? 0,
    ...(cached ? { cache_read_input_tokens: cached } : {}),
  };
}

/** Tool arguments are JSON text in chat and an object in Anthropic's format; text that is no object is kept under `arguments`. */
export function toolUseBlock(call: ToolCall): ToolUseBlock {
  return { type: 'tool_use', id: call.id, name: call.function.name, input: argumentsObject(call.function.arguments) };
}

export function argumentsObject(text: string | undefined): Record<string, unknown> {
  if (!text || !text.trim()) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through: the model wrote something that is not JSON
  }
  return { arguments: text };
}

/** Chat completion -> Anthropic message: the text as one text block, then one tool_use block per call. */
export function toMessage(chat: ChatCompletion, who: MessageIdentity): Message {
  const choice = chat.choices?.[0];
  const message = choice?.message;
  const text = typeof message?.content === 'string' ? message.content : '';
  const calls = message?.tool_calls ?? [];
  return {
    id: who.id,
    type: 'message',
    role: 'assistant',
    model: who.model,
    content: [...(text ? [{ type: 'text' as const, text }] : []), ...calls.map(toolUseBlock)],
    stop_reason: stopReason(choice?.finish_reason),
    stop_sequence: null,
    usage: toMessagesUsage(chat.usage),
  };
}
