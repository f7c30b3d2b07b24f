import { ChatCompletionStream } from 'openai/lib/ChatCompletionStream';
import { Stream } from 'openai/core/streaming';
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import {
  encodeSse,
  SseDecoder,
  SSE_DONE,
  type Operation,
  type StreamInit,
  type StreamMapper,
  type UpstreamRequest,
} from '@switchboard/providers';

/** A recorded `*.request.json`: the OpenAI body a client sent, and the upstream request it must become. */
export interface RequestFixture {
  op?: Operation;
  stream: boolean;
  model: string;
  baseUrl?: string;
  openai: Record<string, unknown>;
  upstream: { method: string; url: string; headers: Record<string, string>; body: unknown };
}

/** A recorded `*.response.json`: the upstream's answer and the OpenAI answer it must become. */
export interface ResponseFixture {
  op: Operation;
  model: string;
  upstream: unknown;
  openai: unknown;
}

/** A recorded `*.chunks.json`, beside its `*.sse`: the chunks the events must become, and what they add up to. */
export interface ChunksFixture {
  ctx: StreamInit;
  chunks: unknown[];
  content: string | null;
  toolCalls: unknown[];
}

/**
 * Runs a provider's stream mapper over recorded SSE bytes as the gateway does (its SSE decoder, the
 * state passed along): the chunks, parsed, and for each upstream event whether the mapper said done.
 */
export function mapRecordedStream<S>(mapper: StreamMapper<S>, sse: string, init: StreamInit): { chunks: unknown[]; done: boolean[] } {
  const decoder = new SseDecoder();
  let state = mapper.init(init);
  const chunks: unknown[] = [];
  const done: boolean[] = [];
  for (const event of [...decoder.push(sse), ...decoder.end()]) {
    const step = mapper.next(state, event);
    state = step.state;
    chunks.push(...step.chunks.map((chunk) => (typeof chunk === 'string' ? JSON.parse(chunk) : chunk)));
    done.push(Boolean(step.done));
  }
  return { chunks, done };
}

/** The bytes the gateway would send for `chunks`, read back and accumulated by the official openai SDK. */
export function accumulateWithSdk(chunks: readonly unknown[]): Promise<ChatCompletion> {
  const wire = chunks.map((chunk) => encodeSse(JSON.stringify(chunk))).join('') + SSE_DONE;
  const sdkChunks = Stream.fromSSEResponse<ChatCompletionChunk>(new Response(wire), new AbortController());
  return ChatCompletionStream.fromReadableStream(sdkChunks.toReadableStream()).finalChatCompletion();
}

/** The upstream request a provider built is the recorded one: method, URL, headers and the body as JSON. */
export function expectRecordedUpstream(request: UpstreamRequest, recorded: RequestFixture['upstream']): void {
  expect({ method: request.method, url: request.url, headers: request.headers }).toEqual({
    method: recorded.method,
    url: recorded.url,
    headers: recorded.headers,
  });
  expect(JSON.parse(request.body ?? 'null')).toEqual(recorded.body);
}

/**
 * What the official SDK accumulated from a mapped stream is what the fixture says the stream
 * adds up to: its content, its complete tool calls (arguments that parse as JSON) and why it finished.
 */
export function expectAccumulatedAsRecorded(completion: ChatCompletion, expected: ChunksFixture): void {
  const message = completion.choices[0].message;
  expect(message.content).toBe(expected.content);
  expect(message.tool_calls ?? []).toEqual(expected.toolCalls);
  for (const call of message.tool_calls ?? []) {
    if (call.type === 'function') expect(() => JSON.parse(call.function.arguments)).not.toThrow();
  }
  expect(completion.choices[0].finish_reason).toBe(expected.toolCalls.length ? 'tool_calls' : 'stop');
}

/**
 * Feeds SSE text through the gateway's decoder to a stream mapper in `sliceBytes` pieces, as a
 * socket would split it, until the mapper says done: the chunks as emitted (a passthrough mapper
 * emits the upstream's JSON text), and whether it said done.
 */
export function mapInSlices<S>(
  mapper: StreamMapper<S>,
  sse: string,
  init: StreamInit,
  sliceBytes: number,
): { chunks: Array<string | Record<string, unknown>>; done: boolean } {
  const decoder = new SseDecoder();
  const bytes = new TextEncoder().encode(sse);
  let state = mapper.init(init);
  const chunks: Array<string | Record<string, unknown>> = [];
  let done = false;
  for (let i = 0; i < bytes.length && !done; i += sliceBytes) {
    for (const event of decoder.push(bytes.slice(i, i + sliceBytes))) {
      const step = mapper.next(state, event);
      state = step.state;
      chunks.push(...step.chunks);
      done ||= step.done === true;
    }
  }
  return { chunks, done };
}
