import { UpstreamStreamError, type SseEvent, type StreamInit } from '../provider';
import { chunk, usageChunk, type ChunkContext } from '../shared/chunks';
import type { ChatCompletionChunk } from '../shared/openai-wire';
import type { AnthropicUsage } from './anthropic-wire';
import { finishReason, toUsage } from './chat.response';
import { JSON_ANSWER_TOOL } from './json-answer';

export interface AnthropicStreamState {
  readonly ctx: ChunkContext;
  /** Anthropic content-block index -> OpenAI tool call index (tool_use blocks only, counted from 0). */
  readonly toolIndexByBlock: Readonly<Record<number, number>>;
  /** OpenAI indexes of the tool calls that have had argument text streamed. */
  readonly toolsWithArguments: readonly number[];
  readonly usage: AnthropicUsage;
  /** The client asked for the closing usage chunk (`stream_options.include_usage`). */
  readonly includeUsage: boolean;
  /** The content block of the structured-output answer tool, whose input streams as the content. */
  readonly answerBlock?: number;
  /** Whether that answer has streamed any text yet. */
  readonly answerStarted?: boolean;
}

/** Status codes Anthropic uses for each error type, so a mid-stream error reads like its HTTP twin. */
const ERROR_STATUS: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  overloaded_error: 529,
};

/**
 * An `error` event inside an accepted stream (typically `overloaded_error`). Thrown rather than
 * turned into a chunk: bytes may already be with the client, so the gateway ends the stream with
 * its own error event; `status` lets it classify the key as if the error had come as HTTP.
 */
export class AnthropicStreamError extends UpstreamStreamError {
  constructor(
    readonly errorType: string,
    message: string,
  ) {
    super(
      ERROR_STATUS[errorType] ?? 500,
      { type: 'error', error: { type: errorType, message } },
      `anthropic stream error (${errorType}): ${message}`,
    );
    this.name = 'AnthropicStreamError';
  }
}

/** A `StreamStep` whose chunks keep their OpenAI type (the provider hands them on as plain records). */
export interface AnthropicStreamStep {
  state: AnthropicStreamState;
  chunks: ChatCompletionChunk[];
  done?: boolean;
}

export function initStreamState(init: StreamInit): AnthropicStreamState {
  return {
    ctx: { id: init.id, created: init.created, model: init.model },
    toolIndexByBlock: {},
    toolsWithArguments: [],
    usage: {},
    includeUsage: init.includeUsage === true,
  };
}

type Json = Record<string, unknown>;

const asRecord = (value: unknown): Json => (value && typeof value === 'object' ? (value as Json) : {});

/** One upstream SSE event -> zero or more OpenAI chunks. Unknown event types are ignored, as Anthropic asks of clients. */
export function nextStreamStep(state: AnthropicStreamState, event: SseEvent): AnthropicStreamStep {
  const data = parse(event.data);
  const type = typeof data.type === 'string' ? data.type : event.event;
  const none = { state, chunks: [] };
  switch (type) {
    case 'message_start': {
      const usage = mergeUsage(state.usage, asRecord(asRecord(data.message).usage));
      return { state: { ...state, usage }, chunks: [chunk(state.ctx, { role: 'assistant', content: '' })] };
    }
    case 'content_block_start':
      return blockStart(state, data);
    case 'content_block_delta':
      return blockDelta(state, data);
    case 'content_block_stop':
      return blockStop(state, data);
    case 'message_delta': {
      const usage = mergeUsage(state.usage, asRecord(data.usage));
      const stop = asRecord(data.delta).stop_reason as string | null | undefined;
      // A structured answer ends the turn as text does; only the client's own tools mean tool_calls.
      const answered = state.answerBlock !== undefined && stop === 'tool_use' && Object.keys(state.toolIndexByBlock).length === 0;
      const reason = answered ? 'stop' : finishReason(stop);
      return { state: { ...state, usage }, chunks: reason ? [chunk(state.ctx, {}, reason)] : [] };
    }
    case 'message_stop':
      return { state, chunks: state.includeUsage ? [usageChunk(state.ctx, toUsage(state.usage))] : [], done: true };
    case 'error': {
      const error = asRecord(data.error);
      throw new AnthropicStreamError(String(error.type ?? 'api_error'), String(error.message ?? 'unknown error'));
    }
    default:
      return none;
  }
}

function parse(text: string): Json {
  try {
    return asRecord(JSON.parse(text));
  } catch {
    throw new AnthropicStreamError('api_error', 'malformed event data from upstream');
  }
}

function blockStart(state: AnthropicStreamState, data: Json): AnthropicStreamStep {
  const block = asRecord(data.content_block);
  const blockIndex = Number(data.index);
  if (block.type === 'text' && typeof block.text === 'string' && block.text) {
    return { state, chunks: [chunk(state.ctx, { content: block.text })] };
  }
  if (block.type !== 'tool_use') return { state, chunks: [] };
  if (block.name === JSON_ANSWER_TOOL) return { state: { ...state, answerBlock: blockIndex }, chunks: [] };
  const index = Object.keys(state.toolIndexByBlock).length;
  const opening: ChatCompletionChunk = chunk(state.ctx, {
    tool_calls: [{ index, id: String(block.id), type: 'function', function: { name: String(block.name), arguments: '' } }],
  });
  return { state: { ...state, toolIndexByBlock: { ...state.toolIndexByBlock, [blockIndex]: index } }, chunks: [opening] };
}

function blockDelta(state: AnthropicStreamState, data: Json): AnthropicStreamStep {
  const delta = asRecord(data.delta);
  if (delta.type === 'text_delta' && typeof delta.text === 'string' && delta.text) {
    return { state, chunks: [chunk(state.ctx, { content: delta.text })] };
  }
  if (delta.type === 'input_json_delta' && typeof delta.partial_json === 'string' && delta.partial_json) {
    if (Number(data.index) === state.answerBlock) {
      return { state: { ...state, answerStarted: true }, chunks: [chunk(state.ctx, { content: delta.partial_json })] };
    }
    const index = state.toolIndexByBlock[Number(data.index)];
    if (index === undefined) return { state, chunks: [] };
    const toolsWithArguments = state.toolsWithArguments.includes(index) ? state.toolsWithArguments : [...state.toolsWithArguments, index];
    return {
      state: { ...state, toolsWithArguments },
      chunks: [chunk(state.ctx, { tool_calls: [{ index, function: { arguments: delta.partial_json } }] })],
    };
  }
  return { state, chunks: [] };
}

/**
 * A tool that takes no input streams no argument text (or only an empty `partial_json`); the
 * non-streamed answer says `{}` for it, so the stream does too rather than leave `""`, which is
 * not JSON a client can parse.
 */
function blockStop(state: AnthropicStreamState, data: Json): AnthropicStreamStep {
  if (Number(data.index) === state.answerBlock && !state.answerStarted) {
    return { state: { ...state, answerStarted: true }, chunks: [chunk(state.ctx, { content: '{}' })] };
  }
  const index = state.toolIndexByBlock[Number(data.index)];
  if (index === undefined || state.toolsWithArguments.includes(index)) return { state, chunks: [] };
  return {
    state: { ...state, toolsWithArguments: [...state.toolsWithArguments, index] },
    chunks: [chunk(state.ctx, { tool_calls: [{ index, function: { arguments: '{}' } }] })],
  };
}

/** `message_delta` usage counts are cumulative: the latest figure for each field wins. */
function mergeUsage(previous: AnthropicUsage, next: Json): AnthropicUsage {
  const merged: AnthropicUsage = { ...previous };
  for (const field of ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'] as const) {
    if (typeof next[field] === 'number') merged[field] = next[field];
  }
  return merged;
}
