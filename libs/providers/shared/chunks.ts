import type { ChatCompletionChunk, ChunkDelta, FinishReason, OpenAiErrorBody, Usage } from './openai-wire';

/** Identity of one streamed completion: every chunk of it repeats these (ids come from the caller). */
export interface ChunkContext {
  id: string;
  created: number;
  model: string;
}

export function chunk(ctx: ChunkContext, delta: ChunkDelta, finishReason: FinishReason | null = null): ChatCompletionChunk {
  return {
    id: ctx.id,
    object: 'chat.completion.chunk',
    created: ctx.created,
    model: ctx.model,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  };
}

/** The final chunk OpenAI sends with `stream_options.include_usage`: no choices, only usage. */
export function usageChunk(ctx: ChunkContext, usage: Usage): ChatCompletionChunk {
  return { id: ctx.id, object: 'chat.completion.chunk', created: ctx.created, model: ctx.model, choices: [], usage };
}

export function usage(promptTokens: number, completionTokens: number): Usage {
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

export function openAiError(
  message: string,
  type = 'invalid_request_error',
  code: string | null = null,
  param: string | null = null,
): OpenAiErrorBody {
  return { error: { message, type, param, code } };
}
