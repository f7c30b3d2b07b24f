import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChatCompletionStream } from 'openai/lib/ChatCompletionStream';
import { Stream } from 'openai/core/streaming';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { encodeSse, SseDecoder } from '../http/sse';
import { UnsupportedFeatureError, type CallContext, type Operation, type ProfileInfo } from '../provider';
import { cohereProvider } from './cohere.provider';

const FIXTURES = join(__dirname, 'fixtures');
const KEY = 'test-cohere-key';
const NOW = Date.parse('2025-01-01T00:00:00Z');

const fixture = <T>(name: string): T => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;
const named = (suffix: string) =>
  readdirSync(FIXTURES)
    .filter((f) => f.endsWith(suffix))
    .sort();

function profile(baseUrl = 'https://api.cohere.com'): ProfileInfo {
  return { name: 'cohere_main', type: 'cohere', baseUrl };
}

function ctx(model: string, stream = false, baseUrl?: string): CallContext {
  return { profile: profile(baseUrl), model, key: KEY, stream };
}

interface RequestFixture {
  op?: Operation;
  stream: boolean;
  model: string;
  baseUrl?: string;
  openai: Record<string, unknown>;
  upstream: { method: string; url: string; headers: Record<string, string>; body: unknown };
}

describe('cohere: OpenAI request -> Cohere v2 request', () => {
  it.each(named('.request.json'))('%s', (name) => {
    const f = fixture<RequestFixture>(name);
    const req = cohereProvider.request(f.op ?? 'chat', f.openai, ctx(f.model, f.stream, f.baseUrl));
    expect({ method: req.method, url: req.url, headers: req.headers }).toEqual({
      method: f.upstream.method,
      url: f.upstream.url,
      headers: f.upstream.headers,
    });
    expect(JSON.parse(req.body ?? 'null')).toEqual(f.upstream.body);
  });

  it.each([
    ['none', 'NONE'],
    ['required', 'REQUIRED'],
  ])('maps tool_choice %s to %s and leaves auto unsaid', (choice, expected) => {
    const base = { model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: { name: 'f' } }] };
    const sent = (tc: string) =>
      JSON.parse(cohereProvider.request('chat', { ...base, tool_choice: tc }, ctx('command-a-03-2025')).body ?? '{}');
    expect(sent(choice).tool_choice).toBe(expected);
    expect(sent('auto')).not.toHaveProperty('tool_choice');
  });
});

describe('cohere: what it cannot do', () => {
  const base = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };

  it.each([
    ['n', { n: 2 }],
    ['logprobs', { logprobs: true }],
    ['parallel_tool_calls', { parallel_tool_calls: false }],
    ['tool_choice', { tool_choice: { type: 'function', function: { name: 'missing' } } }],
    [
      'messages[0].content[0].type',
      { messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'x', format: 'wav' } }] }] },
    ],
  ])('throws UnsupportedFeatureError for %s', (param, extra) => {
    const attempt = () => cohereProvider.request('chat', { ...base, ...extra }, ctx('command-a-03-2025'));
    expect(attempt).toThrow(UnsupportedFeatureError);
    expect(attempt).toThrow(expect.objectContaining({ param, providerType: 'cohere' }));
  });

  it('refuses token-array embedding input', () => {
    expect(() => cohereProvider.request('embeddings', { model: 'e', input: [[1, 2]] }, ctx('embed-v4.0'))).toThrow(
      expect.objectContaining({ param: 'input' }),
    );
  });

  it('offers chat and embeddings only', () => {
    expect([...cohereProvider.operations].sort()).toEqual(['chat', 'embeddings']);
  });
});

interface ResponseFixture {
  op: Operation;
  model: string;
  upstream: unknown;
  openai: unknown;
}

describe('cohere: Cohere response -> OpenAI response', () => {
  it.each(named('.response.json'))('%s', (name) => {
    const f = fixture<ResponseFixture>(name);
    expect(cohereProvider.response?.(f.op, f.upstream, ctx(f.model))).toEqual(f.openai);
  });
});

interface ChunksFixture {
  ctx: { id: string; created: number; model: string };
  chunks: unknown[];
  content: string | null;
  toolCalls: unknown[];
}

function mapStream(sseFile: string, c: ChunksFixture['ctx']) {
  const decoder = new SseDecoder();
  const events = [...decoder.push(readFileSync(join(FIXTURES, sseFile))), ...decoder.end()];
  let state = cohereProvider.stream.init(c);
  const chunks: unknown[] = [];
  const done: boolean[] = [];
  for (const event of events) {
    const step = cohereProvider.stream.next(state, event);
    state = step.state;
    chunks.push(...step.chunks.map((x) => (typeof x === 'string' ? JSON.parse(x) : x)));
    done.push(Boolean(step.done));
  }
  return { chunks, done };
}

/** The bytes the gateway would send, read back and accumulated by the official SDK. */
async function accumulateWithSdk(chunks: unknown[]) {
  const wire = chunks.map((c) => encodeSse(JSON.stringify(c))).join('') + encodeSse('[DONE]');
  const sdkChunks = Stream.fromSSEResponse<ChatCompletionChunk>(new Response(wire), new AbortController());
  return ChatCompletionStream.fromReadableStream(sdkChunks.toReadableStream()).finalChatCompletion();
}

describe('cohere: streamed events -> OpenAI chunks', () => {
  it.each(named('.sse'))('%s', (sseFile) => {
    const expected = fixture<ChunksFixture>(sseFile.replace(/\.sse$/, '.chunks.json'));
    const { chunks, done } = mapStream(sseFile, expected.ctx);
    expect(chunks).toEqual(expected.chunks);
    expect(done).toEqual([...done.slice(0, -1).map(() => false), true]);
  });

  it.each(named('.sse'))('%s accumulates, as the openai SDK does, to the full content and complete tool calls', async (sseFile) => {
    const expected = fixture<ChunksFixture>(sseFile.replace(/\.sse$/, '.chunks.json'));
    const completion = await accumulateWithSdk(mapStream(sseFile, expected.ctx).chunks);
    const message = completion.choices[0].message;
    expect(message.content).toBe(expected.content);
    expect(message.tool_calls ?? []).toEqual(expected.toolCalls);
    for (const call of message.tool_calls ?? []) {
      if (call.type === 'function') expect(() => JSON.parse(call.function.arguments)).not.toThrow();
    }
    expect(completion.choices[0].finish_reason).toBe(expected.toolCalls.length ? 'tool_calls' : 'stop');
  });

  it('leaves the reasoning of thinking models out of the content', () => {
    const events = [
      { type: 'message-start', id: 'x', delta: { message: { role: 'assistant' } } },
      { type: 'content-start', index: 0, delta: { message: { content: { type: 'thinking', thinking: '' } } } },
      { type: 'content-delta', index: 0, delta: { message: { content: { thinking: 'hmm', text: 'hmm' } } } },
      { type: 'content-start', index: 1, delta: { message: { content: { type: 'text', text: '' } } } },
      { type: 'content-delta', index: 1, delta: { message: { content: { text: 'Answer.' } } } },
    ];
    let state = cohereProvider.stream.init({ id: 'c', created: 1, model: 'm' });
    const contents: unknown[] = [];
    for (const e of events) {
      const step = cohereProvider.stream.next(state, { data: JSON.stringify(e) });
      state = step.state;
      contents.push(...step.chunks.map((c) => (c as { choices: Array<{ delta: { content?: string } }> }).choices[0].delta.content));
    }
    expect(contents).toEqual(['', 'Answer.']);
  });
});

interface ErrorCase {
  name: string;
  status: number;
  headers: Record<string, string>;
  body: unknown;
  outcome: unknown;
}

describe('cohere: error -> Outcome', () => {
  const { cases } = fixture<{ cases: ErrorCase[] }>('errors.json');

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(cohereProvider.classify(c.status, c.headers, c.body, NOW)).toEqual(c.outcome);
  });

  it.each(cases.map((c) => [c.name, c] as const))('reads the unparsed text the same way: %s', (_name, c) => {
    expect(cohereProvider.classify(c.status, c.headers, JSON.stringify(c.body), NOW)).toEqual(c.outcome);
  });

  it('retires on a 4xx whose body says the token is invalid, whatever the status', () => {
    expect(cohereProvider.classify(498, {}, { message: 'invalid api token' }, NOW)).toMatchObject({ kind: 'retire', status: 498 });
  });
});

describe('cohere: probe', () => {
  it('lists one model with the bearer key', () => {
    expect(cohereProvider.probe({ profile: profile(), key: KEY })).toEqual({
      method: 'GET',
      url: 'https://api.cohere.com/v1/models?page_size=1',
      headers: { authorization: `Bearer ${KEY}` },
    });
  });
});
