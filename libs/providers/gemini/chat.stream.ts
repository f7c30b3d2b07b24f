import { DONE_DATA } from '../http/sse';
import { UpstreamStreamError, type StreamMapper, type StreamStep } from '../provider';
import {
  errorMessage,
  redactSecrets,
  usageChunk,
  type ChatCompletionChunk,
  type ChunkContext,
  type ChunkDelta,
  type FinishReason,
} from '../shared';
import { answerText, callId, finishReason, functionCalls, toolCall, toUsage } from './chat.response';
import type { GeminiCandidate, GeminiGenerateResponse } from './gemini-wire';

export interface GeminiStreamState {
  ctx: ChunkContext;
  /** Tool calls already sent, per candidate index; a candidate with an entry has had its role sent. */
  toolCallsSent: Readonly<Record<number, number>>;
  /** The client asked for the closing usage chunk (`stream_options.include_usage`). */
  includeUsage: boolean;
}

/** Gemini's stream has no terminator event: it ends after the chunk in which every candidate finished. */
export const geminiStream: StreamMapper<GeminiStreamState> = {
  init: ({ id, created, model, includeUsage }) => ({ ctx: { id, created, model }, toolCallsSent: {}, includeUsage: includeUsage === true }),
  next: (state, event) => mapEvent(state, event.data),
};

function mapEvent(state: GeminiStreamState, data: string): StreamStep<GeminiStreamState> {
  if (!data.trim() || data.trim() === DONE_DATA) return { state, chunks: [], done: data.trim() === DONE_DATA };
  const body = JSON.parse(data) as GeminiGenerateResponse & { error?: unknown };
  // An error after the first byte cannot fail over: the router turns this into the stream's error event.
  if (body.error) {
    const code = (body.error as { code?: unknown }).code;
    const status = typeof code === 'number' && code >= 400 && code < 600 ? code : 500;
    throw new UpstreamStreamError(status, body, `gemini stream failed: ${redactSecrets(errorMessage(body) ?? 'unknown error')}`);
  }

  const candidates = body.candidates ?? [];
  if (!candidates.length) return body.promptFeedback?.blockReason ? blocked(state, body) : { state, chunks: [] };

  let toolCallsSent = state.toolCallsSent;
  const chunks: Array<Record<string, unknown>> = [];
  candidates.forEach((candidate, position) => {
    const index = candidate.index ?? position;
    const step = candidateDelta(candidate, index, toolCallsSent[index], body.responseId ?? state.ctx.id);
    toolCallsSent = { ...toolCallsSent, [index]: step.toolCallsSent };
    if (step.delta || step.finish) chunks.push(choiceChunk(state.ctx, index, step.delta ?? {}, step.finish));
  });

  const finished = candidates.every((c) => c.finishReason);
  if (finished && state.includeUsage && body.usageMetadata) chunks.push(asRecord(usageChunk(state.ctx, toUsage(body.usageMetadata))));
  return { state: { ...state, toolCallsSent }, chunks, ...(finished ? { done: true } : {}) };
}

function candidateDelta(candidate: GeminiCandidate, index: number, sentBefore: number | undefined, scope: string) {
  const parts = candidate.content?.parts ?? [];
  const text = answerText(parts);
  const calls = functionCalls(parts).map((call, n) => {
    const position = (sentBefore ?? 0) + n;
    return { index: position, ...toolCall(call, callId(scope, index, position)) };
  });
  const delta: ChunkDelta = {
    ...(sentBefore === undefined ? { role: 'assistant' as const } : {}),
    ...(text ? { content: text } : {}),
    ...(calls.length ? { tool_calls: calls } : {}),
  };
  const toolCallsSent = (sentBefore ?? 0) + calls.length;
  return {
    delta: Object.keys(delta).length ? delta : undefined,
    finish: finishReason(candidate.finishReason, toolCallsSent > 0),
    toolCallsSent,
  };
}

function blocked(state: GeminiStreamState, body: GeminiGenerateResponse): StreamStep<GeminiStreamState> {
  const chunks = [choiceChunk(state.ctx, 0, { role: 'assistant', content: '' }, 'content_filter')];
  if (state.includeUsage && body.usageMetadata) chunks.push(asRecord(usageChunk(state.ctx, toUsage(body.usageMetadata))));
  return { state, chunks, done: true };
}

function choiceChunk(ctx: ChunkContext, index: number, delta: ChunkDelta, finish: FinishReason | null): Record<string, unknown> {
  const chunk: ChatCompletionChunk = {
    id: ctx.id,
    object: 'chat.completion.chunk',
    created: ctx.created,
    model: ctx.model,
    choices: [{ index, delta, finish_reason: finish }],
  };
  return asRecord(chunk);
}

function asRecord(chunk: ChatCompletionChunk): Record<string, unknown> {
  return chunk as unknown as Record<string, unknown>;
}
