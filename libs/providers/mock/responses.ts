import {
  chunk,
  embeddingList,
  openAiError,
  usage,
  usageChunk,
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatMessage,
  type Completion,
  type EmbeddingsResponse,
  type FinishReason,
  type ModelList,
  type OpenAiErrorBody,
  type Usage,
} from '../shared';
import { countWords, decideTurn, hash, promptWords } from './chat.reply';

/** Ids and the clock reading come from the caller (the mock transport), keeping these pure. */
export interface MockIdentity {
  id: string;
  created: number;
  model: string;
}

type Body = Record<string, unknown>;

export const MOCK_MODELS = ['mock-1', 'mock-embed'];

/** Dimensions of a mock embedding (unless the request asks for `dimensions`). */
export const MOCK_EMBEDDING_DIMS = 8;

interface Reply {
  /** Content split into stream pieces: words, each but the first with its leading space. */
  pieces: string[];
  finish: FinishReason;
}

function textReply(text: string, body: Body): Reply {
  const words = text.split(/(?=\s)/).filter((w) => w.trim() !== '');
  const limit = maxTokens(body);
  if (limit !== undefined && words.length > limit) return { pieces: words.slice(0, limit), finish: 'length' };
  return { pieces: words, finish: 'stop' };
}

function maxTokens(body: Body): number | undefined {
  const value = body.max_completion_tokens ?? body.max_tokens;
  return typeof value === 'number' && value > 0 ? Math.floor(value) : undefined;
}

function includeUsage(body: Body): boolean {
  const options = body.stream_options as { include_usage?: unknown } | undefined;
  return options?.include_usage === true;
}

function chatUsage(body: Body, completionText: string): Usage {
  return usage(promptWords((body.messages as ChatMessage[] | undefined) ?? []), countWords(completionText));
}

export function chatCompletion(body: Body, ids: MockIdentity): ChatCompletion {
  const turn = decideTurn(body);
  const base = { id: ids.id, object: 'chat.completion' as const, created: ids.created, model: ids.model, system_fingerprint: 'fp_mock' };
  if (turn.kind === 'tool_call') {
    return {
      ...base,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: null, tool_calls: [turn.call], refusal: null },
          finish_reason: 'tool_calls',
          logprobs: null,
        },
      ],
      usage: chatUsage(body, turn.call.function.arguments),
    };
  }
  const reply = textReply(turn.text, body);
  const content = reply.pieces.join('');
  return {
    ...base,
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: reply.finish, logprobs: null }],
    usage: chatUsage(body, content),
  };
}

/** The same answer as `chatCompletion`, as OpenAI streams it: role, content word by word, finish, usage. */
export function chatChunks(body: Body, ids: MockIdentity): ChatCompletionChunk[] {
  const turn = decideTurn(body);
  const out: ChatCompletionChunk[] = [];
  let completionText: string;
  if (turn.kind === 'tool_call') {
    const { id, type, function: fn } = turn.call;
    out.push(
      chunk(ids, { role: 'assistant', content: null, tool_calls: [{ index: 0, id, type, function: { name: fn.name, arguments: '' } }] }),
    );
    out.push(chunk(ids, { tool_calls: [{ index: 0, function: { arguments: fn.arguments } }] }));
    out.push(chunk(ids, {}, 'tool_calls'));
    completionText = fn.arguments;
  } else {
    const reply = textReply(turn.text, body);
    out.push(chunk(ids, { role: 'assistant', content: '' }));
    for (const piece of reply.pieces) out.push(chunk(ids, { content: piece }));
    out.push(chunk(ids, {}, reply.finish));
    completionText = reply.pieces.join('');
  }
  if (includeUsage(body)) out.push(usageChunk(ids, chatUsage(body, completionText)));
  return out;
}

function prompts(body: Body): string[] {
  const prompt = body.prompt;
  if (typeof prompt === 'string') return [prompt];
  if (Array.isArray(prompt) && prompt.every((p) => typeof p === 'string')) return prompt as string[];
  return [JSON.stringify(prompt ?? '')];
}

export function completion(body: Body, ids: MockIdentity): Completion {
  const all = prompts(body);
  const replies = all.map((p) => textReply(`Mock completion of: ${p}`, body));
  return {
    id: ids.id,
    object: 'text_completion',
    created: ids.created,
    model: ids.model,
    choices: replies.map((r, index) => ({ index, text: r.pieces.join(''), finish_reason: r.finish, logprobs: null })),
    usage: usage(
      all.reduce((n, p) => n + countWords(p), 0),
      replies.reduce((n, r) => n + countWords(r.pieces.join('')), 0),
    ),
  };
}

/** Streamed completions: one `text_completion` object per word, the last one with its finish reason. */
export function completionChunks(body: Body, ids: MockIdentity): Array<Record<string, unknown>> {
  const reply = textReply(`Mock completion of: ${prompts(body)[0]}`, body);
  const base = { id: ids.id, object: 'text_completion', created: ids.created, model: ids.model };
  const out: Array<Record<string, unknown>> = reply.pieces.map((text) => ({
    ...base,
    choices: [{ index: 0, text, finish_reason: null, logprobs: null }],
  }));
  out.push({ ...base, choices: [{ index: 0, text: '', finish_reason: reply.finish, logprobs: null }] });
  if (includeUsage(body)) {
    out.push({ ...base, choices: [], usage: usage(countWords(prompts(body)[0]), countWords(reply.pieces.join(''))) });
  }
  return out;
}

function inputs(body: Body): string[] {
  const input = body.input;
  if (typeof input === 'string') return [input];
  if (Array.isArray(input) && input.length > 0 && input.every((i) => typeof i === 'number')) return [JSON.stringify(input)];
  if (Array.isArray(input)) return input.map((i) => (typeof i === 'string' ? i : JSON.stringify(i)));
  return [''];
}

/** A unit vector seeded by the text: equal inputs embed equally, different ones (almost surely) not. */
export function embeddingOf(text: string, dims = MOCK_EMBEDDING_DIMS): number[] {
  const raw = Array.from({ length: dims }, (_, i) => parseInt(hash(`${i}:${text}`), 16) / 0xffffffff - 0.5);
  const norm = Math.hypot(...raw) || 1;
  return raw.map((v) => v / norm);
}

export function embeddings(body: Body, model: string): EmbeddingsResponse {
  const texts = inputs(body);
  const dims = typeof body.dimensions === 'number' && body.dimensions > 0 ? Math.floor(body.dimensions) : MOCK_EMBEDDING_DIMS;
  const words = texts.reduce((n, t) => n + countWords(t), 0);
  return embeddingList(
    texts.map((text) => embeddingOf(text, dims)),
    { model, promptTokens: words, encodingFormat: body.encoding_format === 'base64' ? 'base64' : undefined },
  );
}

export function models(created: number): ModelList {
  return { object: 'list', data: MOCK_MODELS.map((id) => ({ id, object: 'model', created, owned_by: 'switchboard-mock' })) };
}

/** `mock-error-<status>`: the model that always fails with that status, for demos and failover tests. */
export function requestedError(model: string): number | undefined {
  const match = /^mock-error-(\d{3})$/.exec(model);
  return match ? Number(match[1]) : undefined;
}

export function errorBody(status: number): OpenAiErrorBody {
  if (status === 401) return openAiError('Incorrect API key provided (mock).', 'invalid_request_error', 'invalid_api_key');
  if (status === 403) return openAiError('This key may not use this model (mock).', 'permission_error', 'forbidden');
  if (status === 429) return openAiError('Rate limit reached (mock).', 'rate_limit_exceeded', 'rate_limit_exceeded');
  if (status >= 500) return openAiError(`The mock upstream failed with ${status}.`, 'server_error', null);
  return openAiError(`The mock upstream refused the request with ${status}.`, 'invalid_request_error', null);
}
