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
import { finishReason, toUsage } from './chat.response';
import type { CohereStreamEvent } from './cohere-wire';

export interface CohereStreamState {
  ctx: ChunkContext;
  /** OpenAI index of the tool call being streamed (Cohere streams calls one after another); -1 before the first. */
  toolIndex: number;
  /** The tool call being streamed has had argument text. */
  toolHasArguments: boolean;
  /** Content blocks that are reasoning, not answer, by Cohere's content index. */
  thinkingBlocks: readonly number[];
  /** The client asked for the closing usage chunk (`stream_options.include_usage`). */
  includeUsage: boolean;
}

export const cohereStream: StreamMapper<CohereStreamState> = {
  init: ({ id, created, model, includeUsage }) => ({
    ctx: { id, created, model },
    toolIndex: -1,
    toolHasArguments: false,
    thinkingBlocks: [],
    includeUsage: includeUsage === true,
  }),
  next: (state, event) => mapEvent(state, event.event, event.data),
};

function mapEvent(state: CohereStreamState, name: string | undefined, data: string): StreamStep<CohereStreamState> {
  if (!data.trim() || data.trim() === DONE_DATA) return { state, chunks: [], done: data.trim() === DONE_DATA };
  const event = JSON.parse(data) as CohereStreamEvent & { message?: string };
  const type = event.type ?? name;
  const message = event.delta?.message;
  const none = { state, chunks: [] };

  switch (type) {
    case 'message-start':
      return { state, chunks: [choiceChunk(state.ctx, { role: 'assistant', content: '' })] };
    case 'content-start':
      if (message?.content?.type === 'thinking')
        return { ...none, state: { ...state, thinkingBlocks: [...state.thinkingBlocks, event.index ?? 0] } };
      return message?.content?.text ? { state, chunks: [choiceChunk(state.ctx, { content: message.content.text })] } : none;
    case 'content-delta': {
      const text = message?.content?.text;
      if (!text || state.thinkingBlocks.includes(event.index ?? 0)) return none;
      return { state, chunks: [choiceChunk(state.ctx, { content: text })] };
    }
    case 'tool-plan-delta': {
      // The text that goes with the tool calls: content, as in the non-streamed answer.
      const plan = message?.tool_plan;
      return plan ? { state, chunks: [choiceChunk(state.ctx, { content: plan })] } : none;
    }
    case 'tool-call-start': {
      const call = message?.tool_calls;
      const toolIndex = state.toolIndex + 1;
      const delta: ChunkDelta = {
        tool_calls: [
          {
            index: toolIndex,
            id: call?.id,
            type: 'function',
            function: { name: call?.function?.name, arguments: call?.function?.arguments ?? '' },
          },
        ],
      };
      return {
        state: { ...state, toolIndex, toolHasArguments: Boolean(call?.function?.arguments) },
        chunks: [choiceChunk(state.ctx, delta)],
      };
    }
    case 'tool-call-delta': {
      const args = message?.tool_calls?.function?.arguments;
      if (!args) return none;
      return {
        state: { ...state, toolHasArguments: true },
        chunks: [choiceChunk(state.ctx, { tool_calls: [{ index: state.toolIndex, function: { arguments: args } }] })],
      };
    }
    case 'tool-call-end':
      // A call without arguments says `{}`, as the non-streamed answer does, rather than leave `""`.
      if (state.toolIndex < 0 || state.toolHasArguments) return none;
      return {
        state: { ...state, toolHasArguments: true },
        chunks: [choiceChunk(state.ctx, { tool_calls: [{ index: state.toolIndex, function: { arguments: '{}' } }] })],
      };
    case 'message-end': {
      const finish = finishReason(event.delta?.finish_reason, state.toolIndex >= 0);
      const chunks: Array<Record<string, unknown>> = [choiceChunk(state.ctx, {}, finish)];
      if (state.includeUsage && event.delta?.usage) chunks.push(asRecord(usageChunk(state.ctx, toUsage(event.delta.usage))));
      return { state, chunks, done: true };
    }
    case 'error':
      // After the first byte there is no failover: the router turns this into the stream's error event.
      // Cohere's stream error carries no status: the upstream's own failure, judged like a 500.
      throw new UpstreamStreamError(500, event, `cohere stream failed: ${redactSecrets(errorMessage(event) ?? 'unknown error')}`);
    default:
      // content-end, citation-start/end: nothing the OpenAI stream carries.
      return none;
  }
}

function choiceChunk(ctx: ChunkContext, delta: ChunkDelta, finish: FinishReason | null = null): Record<string, unknown> {
  const chunk: ChatCompletionChunk = {
    id: ctx.id,
    object: 'chat.completion.chunk',
    created: ctx.created,
    model: ctx.model,
    choices: [{ index: 0, delta, finish_reason: finish }],
  };
  return asRecord(chunk);
}

function asRecord(chunk: ChatCompletionChunk): Record<string, unknown> {
  return chunk as unknown as Record<string, unknown>;
}
