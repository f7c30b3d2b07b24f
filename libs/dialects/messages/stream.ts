import type { ChatCompletionChunk, FinishReason, Usage } from '@switchboard/providers';
import type { MessageIdentity } from './response';
import { stopReason, toMessagesUsage } from './response';
import type { MessageStreamEvent } from './messages-wire';

/**
 * A streamed message being translated from chat chunks; a value passed in and returned. Blocks
 * are numbered in the order they open; one block is open at a time, as Anthropic streams them.
 */
export interface MessagesStreamState {
  readonly open?: { index: number; kind: 'text' } | { index: number; kind: 'tool_use'; toolIndex: number };
  readonly nextIndex: number;
  readonly finish: FinishReason | null;
  readonly usage?: Usage | null;
}

export interface MessagesStreamStep {
  state: MessagesStreamState;
  events: MessageStreamEvent[];
}

/** `message_start`, with the message as it stands before any content. */
export function startMessageStream(who: MessageIdentity): MessagesStreamStep {
  return {
    state: { nextIndex: 0, finish: null },
    events: [
      {
        type: 'message_start',
        message: {
          id: who.id,
          type: 'message',
          role: 'assistant',
          model: who.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 0, output_tokens: 0 },
        },
      },
    ],
  };
}

/** One chat chunk -> content block events (text_delta, or a tool_use block and its input_json_delta). */
export function nextMessageEvents(state: MessagesStreamState, chunk: ChatCompletionChunk): MessagesStreamStep {
  const events: MessageStreamEvent[] = [];
  let next: MessagesStreamState = chunk.usage ? { ...state, usage: chunk.usage } : state;
  const choice = chunk.choices?.[0];
  if (choice) {
    const delta = choice.delta ?? {};
    if (typeof delta.content === 'string' && delta.content) {
      if (next.open?.kind !== 'text') {
        next = close(next, events);
        events.push({ type: 'content_block_start', index: next.nextIndex, content_block: { type: 'text', text: '' } });
        next = { ...next, open: { index: next.nextIndex, kind: 'text' }, nextIndex: next.nextIndex + 1 };
      }
      events.push({ type: 'content_block_delta', index: next.open!.index, delta: { type: 'text_delta', text: delta.content } });
    }
    for (const call of delta.tool_calls ?? []) {
      const open = next.open;
      if (open?.kind !== 'tool_use' || open.toolIndex !== call.index) {
        next = close(next, events);
        events.push({
          type: 'content_block_start',
          index: next.nextIndex,
          content_block: { type: 'tool_use', id: call.id ?? `toolu_${next.nextIndex}`, name: call.function?.name ?? '', input: {} },
        });
        next = { ...next, open: { index: next.nextIndex, kind: 'tool_use', toolIndex: call.index }, nextIndex: next.nextIndex + 1 };
      }
      const args = call.function?.arguments;
      if (typeof args === 'string' && args) {
        events.push({ type: 'content_block_delta', index: next.open!.index, delta: { type: 'input_json_delta', partial_json: args } });
      }
    }
    if (choice.finish_reason) next = { ...next, finish: choice.finish_reason };
  }
  return { state: next, events };
}

/** The upstream is done: close the open block, then `message_delta` (stop reason, usage) and `message_stop`. */
export function finishMessageStream(state: MessagesStreamState): MessagesStreamStep {
  const events: MessageStreamEvent[] = [];
  const next = close(state, events);
  const usage = toMessagesUsage(next.usage);
  events.push({
    type: 'message_delta',
    delta: { stop_reason: stopReason(next.finish) ?? 'end_turn', stop_sequence: null },
    usage,
  });
  events.push({ type: 'message_stop' });
  return { state: next, events };
}

/** A failure after the stream started: Anthropic's own `error` event, which its SDK raises as an error. */
export function failMessageStream(error: { type: string; message: string }): MessageStreamEvent[] {
  return [{ type: 'error', error: { type: error.type, message: error.message } }];
}

function close(state: MessagesStreamState, events: MessageStreamEvent[]): MessagesStreamState {
  if (!state.open) return state;
  events.push({ type: 'content_block_stop', index: state.open.index });
  return { ...state, open: undefined };
}
