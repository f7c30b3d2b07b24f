import type { AssistantMessage, ChatCompletion, FinishReason, ToolCall, Usage } from '../shared';
import type {
  GeminiCandidate,
  GeminiFinishReason,
  GeminiFunctionCall,
  GeminiGenerateResponse,
  GeminiPart,
  GeminiUsageMetadata,
} from './gemini-wire';

/**
 * `model` is the chain entry's model, as in the stream and every other adapter: the client sees
 * one name whether or not it streams (Gemini's `modelVersion` may name a dated snapshot).
 * `created` comes from the router: Gemini answers carry no timestamp and this reads no clock.
 */
export function fromGeminiChat(body: GeminiGenerateResponse, who: { model: string; created: number }): ChatCompletion {
  const candidates = body.candidates ?? [];
  const choices = candidates.length
    ? candidates.map((candidate, i) => toChoice(candidate, candidate.index ?? i, body.responseId))
    : [blockedChoice(body)];
  return {
    id: `chatcmpl-${body.responseId ?? 'gemini'}`,
    object: 'chat.completion',
    created: who.created,
    model: who.model,
    choices,
    ...(body.usageMetadata ? { usage: toUsage(body.usageMetadata) } : {}),
  };
}

function toChoice(candidate: GeminiCandidate, index: number, responseId: string | undefined) {
  const parts = candidate.content?.parts ?? [];
  const text = answerText(parts);
  const toolCalls = functionCalls(parts).map((call, n) => toolCall(call, callId(responseId, index, n)));
  const message: AssistantMessage = {
    role: 'assistant',
    content: text || (toolCalls.length ? null : ''),
    ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
    refusal: null,
  };
  return { index, message, finish_reason: finishReason(candidate.finishReason, toolCalls.length > 0), logprobs: null };
}

/** A prompt Gemini refused outright has no candidate: one empty, filtered choice says so. */
function blockedChoice(body: GeminiGenerateResponse) {
  const message: AssistantMessage = { role: 'assistant', content: null, refusal: null };
  const finish: FinishReason = body.promptFeedback?.blockReason ? 'content_filter' : 'stop';
  return { index: 0, message, finish_reason: finish, logprobs: null };
}

/** Thought summaries of thinking models are not the answer. */
export function answerText(parts: GeminiPart[]): string {
  return parts
    .filter((p) => typeof p.text === 'string' && !p.thought)
    .map((p) => p.text)
    .join('');
}

/** A function call with the signature of the part it came in (the signature belongs to the part, not the call). */
export interface SignedCall {
  call: GeminiFunctionCall;
  signature?: string;
}

export function functionCalls(parts: GeminiPart[]): SignedCall[] {
  return parts.flatMap((p) =>
    p.functionCall ? [{ call: p.functionCall, ...(p.thoughtSignature ? { signature: p.thoughtSignature } : {}) }] : [],
  );
}

/** Deterministic: the same answer always yields the same ids (Gemini rarely names its calls). */
export function callId(scope: string | undefined, candidateIndex: number, n: number): string {
  return `call_${scope ? `${scope}_` : ''}${candidateIndex}_${n}`;
}

/**
 * Gemini's own id when it named the call. What the call must bring back on the next turn (its
 * thought signature, the id Gemini gave it) rides in `extra_content.google`, where Google's
 * OpenAI layer puts the signature.
 */
export function toolCall({ call, signature }: SignedCall, fallbackId: string): ToolCall {
  const google = { ...(signature ? { thought_signature: signature } : {}), ...(call.id ? { function_call_id: call.id } : {}) };
  return {
    id: call.id ?? fallbackId,
    type: 'function',
    function: { name: call.name, arguments: JSON.stringify(call.args ?? {}) },
    ...(Object.keys(google).length ? { extra_content: { google } } : {}),
  };
}

const FILTERED = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY', 'LANGUAGE']);

export function finishReason(reason: GeminiFinishReason | undefined, calledFunctions: boolean): FinishReason | null {
  if (!reason) return null;
  if (reason === 'MAX_TOKENS') return 'length';
  if (FILTERED.has(reason)) return 'content_filter';
  return calledFunctions ? 'tool_calls' : 'stop';
}

/** Thinking tokens are billed as output; OpenAI counts them in `completion_tokens` and details them. */
export function toUsage(meta: GeminiUsageMetadata): Usage {
  const prompt = meta.promptTokenCount ?? 0;
  const thoughts = meta.thoughtsTokenCount ?? 0;
  const completion = (meta.candidatesTokenCount ?? 0) + thoughts;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: meta.totalTokenCount ?? prompt + completion,
    ...(meta.cachedContentTokenCount ? { prompt_tokens_details: { cached_tokens: meta.cachedContentTokenCount } } : {}),
    ...(thoughts ? { completion_tokens_details: { reasoning_tokens: thoughts } } : {}),
  };
}
