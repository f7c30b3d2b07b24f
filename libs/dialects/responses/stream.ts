import type { ChatCompletionChunk, FinishReason, Usage } from '@switchboard/providers';
import { outputItemId } from './ids';
import { finalStatus, functionCallItem, messageItem, toResponseUsage } from './response';
import type { OutputItem, ResponseObject, ResponseStreamEvent } from './responses-wire';

/** An output item still being streamed: the open message's text, or a call's arguments so far. */
type OpenItem =
  | { kind: 'message'; outputIndex: number; id: string; text: string }
  | { kind: 'function_call'; outputIndex: number; id: string; callId: string; name: string; arguments: string };

/**
 * A streamed response being translated from chat chunks. A value passed in and returned: the
 * front end keeps it between chunks, like a provider's stream state.
 */
export interface ResponsesStreamState {
  readonly response: ResponseObject;
  readonly sequence: number;
  /** Items already closed, in output order. */
  readonly done: readonly OutputItem[];
  /** The open message item, if text is streaming. */
  readonly message?: OpenItem & { kind: 'message' };
  /** Open function calls by their chat tool-call index. */
  readonly calls: Readonly<Record<number, OpenItem & { kind: 'function_call' }>>;
  readonly nextIndex: number;
  readonly finish: FinishReason | null;
  readonly usage?: Usage | null;
}

export interface ResponsesStreamStep {
  state: ResponsesStreamState;
  events: ResponseStreamEvent[];
}

class Events {
  readonly list: ResponseStreamEvent[] = [];
  constructor(public sequence: number) {}
  add(type: string, fields: Record<string, unknown>): void {
    this.list.push({ type, sequence_number: this.sequence++, ...fields });
  }
}

/** The opening of a stream: `response.created` and `response.in_progress`, with nothing in `output` yet. */
export function startResponseStream(skeleton: ResponseObject): ResponsesStreamStep {
  const out = new Events(0);
  const response = { ...skeleton, status: 'in_progress' as const, output: [], usage: null };
  out.add('response.created', { response });
  out.add('response.in_progress', { response });
  return { state: { response: skeleton, sequence: out.sequence, done: [], calls: {}, nextIndex: 0, finish: null }, events: out.list };
}

/** One chat chunk -> the Responses events it means (text deltas, function call items and their argument deltas). */
export function nextResponseEvents(state: ResponsesStreamState, chunk: ChatCompletionChunk): ResponsesStreamStep {
  const out = new Events(state.sequence);
  let next: ResponsesStreamState = chunk.usage ? { ...state, usage: chunk.usage } : state;
  const choice = chunk.choices?.[0];
  if (choice) {
    const delta = choice.delta ?? {};
    if (typeof delta.content === 'string' && delta.content) next = appendText(next, delta.content, out);
    for (const call of delta.tool_calls ?? []) next = appendCall(next, call, out);
    if (choice.finish_reason) next = { ...next, finish: choice.finish_reason };
  }
  return { state: { ...next, sequence: out.sequence }, events: out.list };
}

/**
 * The upstream said its last chunk: close what is open, then `response.completed` (or
 * `response.incomplete` when the answer was cut short) with the whole response and its usage.
 */
export function finishResponseStream(state: ResponsesStreamState): ResponsesStreamStep & { response: ResponseObject } {
  const out = new Events(state.sequence);
  const closed = closeAll(state, out);
  const response: ResponseObject = {
    ...closed.response,
    ...finalStatus(closed.finish),
    output: [...closed.done],
    usage: toResponseUsage(closed.usage),
  };
  out.add(response.status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response });
  return { state: { ...closed, response, sequence: out.sequence }, events: out.list, response };
}

/**
 * The stream failed after it started: `response.failed` with what was produced so far, then an
 * `error` event (top-level fields as OpenAI documents them, and nested under `error` where the
 * Vercel AI SDK reads them), so no client mistakes the end for a finished answer.
 */
export function failResponseStream(
  state: ResponsesStreamState,
  error: { code: string; message: string },
): ResponsesStreamStep & { response: ResponseObject } {
  const out = new Events(state.sequence);
  const output = [...state.done, ...openItems(state).map((item) => asItem(item, 'incomplete'))].sort(byOutputIndex);
  const response: ResponseObject = {
    ...state.response,
    status: 'failed',
    error,
    output,
    usage: state.usage ? toResponseUsage(state.usage) : null,
  };
  out.add('response.failed', { response });
  out.add('error', {
    code: error.code,
    message: error.message,
    param: null,
    error: { type: 'server_error', code: error.code, message: error.message, param: null },
  });
  return { state: { ...state, response, sequence: out.sequence }, events: out.list, response };
}

function appendText(state: ResponsesStreamState, text: string, out: Events): ResponsesStreamState {
  let next = state;
  // Text after tool calls starts a new message item; the calls stay open (their arguments may still come).
  if (!next.message) next = openMessage(next, out);
  const message = next.message as OpenItem & { kind: 'message' };
  out.add('response.output_text.delta', {
    item_id: message.id,
    output_index: message.outputIndex,
    content_index: 0,
    delta: text,
    logprobs: [],
  });
  return { ...next, message: { ...message, text: message.text + text } };
}

function appendCall(
  state: ResponsesStreamState,
  call: NonNullable<ChatCompletionChunk['choices'][number]['delta']['tool_calls']>[number],
  out: Events,
): ResponsesStreamState {
  let next = state;
  let open = next.calls[call.index];
  if (!open) {
    if (next.message) next = closeMessage(next, out);
    const outputIndex = next.nextIndex;
    open = {
      kind: 'function_call',
      outputIndex,
      id: outputItemId(next.response.id, 'function_call', outputIndex),
      callId: call.id ?? `call_${outputIndex}`,
      name: call.function?.name ?? '',
      arguments: '',
    };
    out.add('response.output_item.added', { output_index: outputIndex, item: asItem(open, 'in_progress') });
    next = { ...next, nextIndex: outputIndex + 1 };
  }
  const args = call.function?.arguments;
  if (typeof args === 'string' && args) {
    out.add('response.function_call_arguments.delta', { item_id: open.id, output_index: open.outputIndex, delta: args });
    open = { ...open, arguments: open.arguments + args };
  }
  return { ...next, calls: { ...next.calls, [call.index]: open } };
}

function closeMessage(state: ResponsesStreamState, out: Events): ResponsesStreamState {
  const message = state.message;
  if (!message) return state;
  const item = messageItem(message.id, message.text);
  out.add('response.output_text.done', {
    item_id: message.id,
    output_index: message.outputIndex,
    content_index: 0,
    text: message.text,
    logprobs: [],
  });
  out.add('response.content_part.done', {
    item_id: message.id,
    output_index: message.outputIndex,
    content_index: 0,
    part: item.content[0],
  });
  out.add('response.output_item.done', { output_index: message.outputIndex, item });
  return { ...state, message: undefined, done: [...state.done, item] };
}

function closeAll(state: ResponsesStreamState, out: Events): ResponsesStreamState {
  let next = closeMessage(state, out);
  const calls = Object.values(next.calls).sort((a, b) => a.outputIndex - b.outputIndex);
  for (const call of calls) {
    const item = asItem(call, 'completed');
    out.add('response.function_call_arguments.done', { item_id: call.id, output_index: call.outputIndex, arguments: call.arguments });
    out.add('response.output_item.done', { output_index: call.outputIndex, item });
    next = { ...next, done: [...next.done, item] };
  }
  if (!next.done.length) {
    // An answer with no text and no call is still one (empty) message, as the non-streamed answer says.
    next = closeMessage(openMessage(next, out), out);
  }
  return { ...next, calls: {}, done: [...next.done].sort(byOutputIndex) };
}

/** Opens a message item (empty so far) at the next output index. */
function openMessage(state: ResponsesStreamState, out: Events): ResponsesStreamState {
  const outputIndex = state.nextIndex;
  const message = { kind: 'message' as const, outputIndex, id: outputItemId(state.response.id, 'message', outputIndex), text: '' };
  out.add('response.output_item.added', {
    output_index: outputIndex,
    item: { ...messageItem(message.id, '', 'in_progress'), content: [] },
  });
  out.add('response.content_part.added', {
    item_id: message.id,
    output_index: outputIndex,
    content_index: 0,
    part: { type: 'output_text', text: '', annotations: [] },
  });
  return { ...state, message, nextIndex: outputIndex + 1 };
}

function openItems(state: ResponsesStreamState): OpenItem[] {
  return [...(state.message ? [state.message] : []), ...Object.values(state.calls)];
}

function asItem(item: OpenItem, status: 'in_progress' | 'completed' | 'incomplete'): OutputItem {
  if (item.kind === 'message') return messageItem(item.id, item.text, status);
  return functionCallItem(item.id, { id: item.callId, type: 'function', function: { name: item.name, arguments: item.arguments } }, status);
}

/** Output order is the order items were opened; their ids carry it. */
function byOutputIndex(a: OutputItem, b: OutputItem): number {
  const index = (item: OutputItem): number => Number(item.id.slice(item.id.lastIndexOf('_') + 1));
  return index(a) - index(b);
}
