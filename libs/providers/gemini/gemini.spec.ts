import { fixturesIn } from '../../../test/support/fixtures';
import {
  accumulateWithSdk,
  expectAccumulatedAsRecorded,
  expectRecordedUpstream,
  mapRecordedStream,
  type ChunksFixture,
  type RequestFixture,
  type ResponseFixture,
} from '../../../test/support/provider-fixtures';
import { InvalidRequestError, UnsupportedFeatureError, UpstreamStreamError, type CallContext, type ProfileInfo } from '../provider';
import { decodeEmbedding } from '../shared';
import { geminiProvider } from './gemini.provider';
import { retryDelayMs } from './outcome';

const fixtures = fixturesIn(`${__dirname}/fixtures`);
const KEY = 'test-gemini-key';
const NOW = Date.parse('2025-01-01T00:00:00Z');

function profile(baseUrl = 'https://generativelanguage.googleapis.com'): ProfileInfo {
  return { name: 'gemini_main', type: 'gemini', baseUrl };
}

function ctx(model: string, stream = false, baseUrl?: string): CallContext {
  return { profile: profile(baseUrl), model, key: KEY, stream, created: 1700000000 };
}

describe('gemini: OpenAI request -> Gemini request', () => {
  it.each(fixtures.files('.request.json'))('%s', (name) => {
    const f = fixtures.json<RequestFixture>(name);
    expectRecordedUpstream(geminiProvider.request(f.op ?? 'chat', f.openai, ctx(f.model, f.stream, f.baseUrl)), f.upstream);
  });
});

describe('gemini: tool results (docs/providers.md, "Gemini tool results")', () => {
  const call = { id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } };
  const responseFor = (content: unknown) => {
    const body = {
      model: 'm',
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: 'call_1', content },
      ],
    };
    const sent = JSON.parse(geminiProvider.request('chat', body, ctx('gemini-2.0-flash')).body ?? '{}');
    return sent.contents[2].parts[0].functionResponse;
  };

  it('passes a JSON object through as the response, named after the matching call', () => {
    expect(responseFor('{"hits": 3, "top": {"title": "A"}}')).toEqual({ name: 'lookup', response: { hits: 3, top: { title: 'A' } } });
  });

  it.each([
    ['plain text', 'no results'],
    ['a JSON array', '[1,2]'],
    ['a JSON number', '42'],
    ['JSON null', 'null'],
    ['empty', ''],
  ])('wraps %s as {"content": <text>}', (_what, text) => {
    expect(responseFor(text)).toEqual({ name: 'lookup', response: { content: text } });
  });

  it('finds the function of the nearest earlier call with that id', () => {
    const body = {
      model: 'm',
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: null, tool_calls: [{ ...call, function: { name: 'old', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'a' },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: 'call_1', content: 'b' },
      ],
    };
    const sent = JSON.parse(geminiProvider.request('chat', body, ctx('gemini-2.0-flash')).body ?? '{}');
    expect(sent.contents[4].parts[0].functionResponse.name).toBe('lookup');
  });

  it('refuses a tool result whose id no earlier call has, naming the field', () => {
    const body = {
      model: 'm',
      messages: [
        { role: 'user', content: 'go' },
        { role: 'tool', tool_call_id: 'ghost', content: 'x' },
      ],
    };
    expect(() => geminiProvider.request('chat', body, ctx('gemini-2.0-flash'))).toThrow(
      expect.objectContaining({ param: 'messages[1].tool_call_id', providerType: 'gemini' }),
    );
  });
});

describe('gemini: what it cannot do', () => {
  const base = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };

  it.each([
    ['logprobs', { logprobs: true }],
    ['logit_bias', { logit_bias: { '50256': -100 } }],
    ['messages[0].content[0].type', { messages: [{ role: 'user', content: [{ type: 'input_video', video: 'x' }] }] }],
  ])('throws UnsupportedFeatureError for %s', (param, extra) => {
    const attempt = () => geminiProvider.request('chat', { ...base, ...extra }, ctx('gemini-2.0-flash'));
    expect(attempt).toThrow(UnsupportedFeatureError);
    expect(attempt).toThrow(expect.objectContaining({ param }));
  });

  it('refuses token-array embedding input', () => {
    expect(() => geminiProvider.request('embeddings', { model: 'e', input: [[1, 2, 3]] }, ctx('text-embedding-004'))).toThrow(
      expect.objectContaining({ param: 'input' }),
    );
  });

  it('offers chat and embeddings only', () => {
    expect([...geminiProvider.operations].sort()).toEqual(['chat', 'embeddings']);
    expect(() => geminiProvider.request('completions', { model: 'm', prompt: 'x' }, ctx('gemini-2.0-flash'))).toThrow(
      UnsupportedFeatureError,
    );
  });

  it('maps reasoning_effort to a thinking budget', () => {
    const sent = JSON.parse(geminiProvider.request('chat', { ...base, reasoning_effort: 'low' }, ctx('gemini-2.5-flash')).body ?? '{}');
    expect(sent.generationConfig).toEqual({ thinkingConfig: { thinkingBudget: 1024 } });
  });
});

describe('gemini: Gemini response -> OpenAI response', () => {
  it.each(fixtures.files('.response.json'))('%s', (name) => {
    const f = fixtures.json<ResponseFixture>(name);
    expect(geminiProvider.response?.(f.op, f.upstream, ctx(f.model))).toEqual(f.openai);
  });
});

describe('gemini: streamed events -> OpenAI chunks', () => {
  it.each(fixtures.files('.sse'))('%s', (sseFile) => {
    const expected = fixtures.json<ChunksFixture>(sseFile.replace(/\.sse$/, '.chunks.json'));
    const { chunks, done } = mapRecordedStream(geminiProvider.stream, fixtures.text(sseFile), { ...expected.ctx, includeUsage: true });
    expect(chunks).toEqual(expected.chunks);
    // Gemini sends no terminator: the mapper must say the stream is over at the finishing event.
    expect(done).toEqual([...done.slice(0, -1).map(() => false), true]);
  });

  it.each(fixtures.files('.sse'))(
    '%s accumulates, as the openai SDK does, to the full content and complete tool calls',
    async (sseFile) => {
      const expected = fixtures.json<ChunksFixture>(sseFile.replace(/\.sse$/, '.chunks.json'));
      const completion = await accumulateWithSdk(
        mapRecordedStream(geminiProvider.stream, fixtures.text(sseFile), { ...expected.ctx, includeUsage: true }).chunks,
      );
      expectAccumulatedAsRecorded(completion, expected);
      expect(completion.usage).toEqual((expected.chunks[expected.chunks.length - 1] as { usage: unknown }).usage);
    },
  );

  it('turns a blocked prompt into one content_filter chunk and ends', () => {
    const c = { id: 'chatcmpl-x', created: 1, model: 'g', includeUsage: true };
    const step = geminiProvider.stream.next(geminiProvider.stream.init(c), {
      data: JSON.stringify({ promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 4, totalTokenCount: 4 } }),
    });
    expect(step.done).toBe(true);
    expect(step.chunks[0]).toMatchObject({ choices: [{ index: 0, delta: { role: 'assistant' }, finish_reason: 'content_filter' }] });
    expect(step.chunks[1]).toMatchObject({ choices: [], usage: { prompt_tokens: 4, completion_tokens: 0, total_tokens: 4 } });
  });

  it('does not change the state it was given', () => {
    const initial = geminiProvider.stream.init({ id: 'chatcmpl-x', created: 1, model: 'g' });
    const frozen = JSON.stringify(initial);
    geminiProvider.stream.next(initial, { data: JSON.stringify({ candidates: [{ content: { parts: [{ text: 'a' }] } }] }) });
    expect(JSON.stringify(initial)).toBe(frozen);
  });

  it('raises an upstream error event as an error, without the key', () => {
    const initial = geminiProvider.stream.init({ id: 'chatcmpl-x', created: 1, model: 'g' });
    const event = { data: JSON.stringify({ error: { code: 500, message: 'Internal error encountered.', status: 'INTERNAL' } }) };
    expect(() => geminiProvider.stream.next(initial, event)).toThrow(/Internal error encountered/);
  });

  it('says which HTTP answer a mid-stream error stands for, so a quota error cools the key down as a rate limit', () => {
    const initial = geminiProvider.stream.init({ id: 'chatcmpl-x', created: 1, model: 'g' });
    const body = {
      error: {
        code: 429,
        message: 'Resource has been exhausted (e.g. check quota).',
        status: 'RESOURCE_EXHAUSTED',
        details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '20s' }],
      },
    };
    let thrown: unknown;
    try {
      geminiProvider.stream.next(initial, { data: JSON.stringify(body) });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UpstreamStreamError);
    const { status, body: asHttp } = thrown as UpstreamStreamError;
    expect(geminiProvider.classify(status, {}, asHttp, NOW)).toEqual({
      kind: 'quarantine',
      status: 429,
      reason: 'RESOURCE_EXHAUSTED',
      rateLimited: true,
      retryAfterMs: 20_000,
    });
  });
});

interface ErrorCase {
  name: string;
  status: number;
  headers: Record<string, string>;
  body: unknown;
  outcome: unknown;
}

describe('gemini: error -> Outcome', () => {
  const { cases } = fixtures.json<{ cases: ErrorCase[] }>('errors.json');

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(geminiProvider.classify(c.status, c.headers, c.body, NOW)).toEqual(c.outcome);
  });

  it.each(cases.map((c) => [c.name, c] as const))('reads the unparsed text the same way: %s', (_name, c) => {
    expect(geminiProvider.classify(c.status, c.headers, JSON.stringify(c.body), NOW)).toEqual(c.outcome);
  });

  it('is ok for 2xx', () => {
    expect(geminiProvider.classify(200, {}, { candidates: [] }, NOW)).toEqual({ kind: 'ok' });
  });

  it.each([
    ['30s', 30_000],
    ['1.5s', 1500],
    ['0.25s', 250],
    ['45.837906927s', 45_838],
    ['0s', 0],
  ])('reads RetryInfo.retryDelay %s as %i ms', (delay, ms) => {
    const body = { error: { code: 429, details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: delay }] } };
    expect(retryDelayMs(body)).toBe(ms);
  });

  it.each([['30'], ['soon'], ['-3s']])('ignores a malformed retryDelay %s', (delay) => {
    const body = { error: { code: 429, details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: delay }] } };
    expect(retryDelayMs(body)).toBeUndefined();
  });
});

describe('gemini: probe', () => {
  it('lists one model with the key in the header, never in the URL', () => {
    const req = geminiProvider.probe({ profile: profile('https://generativelanguage.googleapis.com/'), key: KEY });
    expect(req).toEqual({
      method: 'GET',
      url: 'https://generativelanguage.googleapis.com/v1beta/models?pageSize=1',
      headers: { 'x-goog-api-key': KEY },
    });
  });
});

describe('gemini: what the client asked of the answer', () => {
  const floats = fixtures.json<ResponseFixture>('embeddings-batch.response.json');

  it('encodes embeddings as base64 float32 when asked, as the openai SDK asks by default', () => {
    const out = geminiProvider.response?.('embeddings', floats.upstream, { ...ctx(floats.model), encodingFormat: 'base64' }) as {
      data: Array<{ embedding: unknown }>;
    };
    const expected = (floats.openai as { data: Array<{ embedding: number[] }> }).data;
    expect(out.data.map((d) => typeof d.embedding)).toEqual(['string', 'string']);
    out.data.forEach((d, i) => {
      decodeEmbedding(d.embedding as string).forEach((v, j) => expect(v).toBeCloseTo(expected[i].embedding[j], 6));
    });
  });

  it('ends a stream without the usage chunk unless stream_options.include_usage asked for it', () => {
    const expected = fixtures.json<ChunksFixture>('text.chunks.json');
    const chunks = mapRecordedStream(geminiProvider.stream, fixtures.text('text.sse'), expected.ctx).chunks as Array<{
      choices: unknown[];
    }>;
    expect(chunks).toEqual(expected.chunks.slice(0, -1));
    expect(chunks.every((c) => c.choices.length > 0)).toBe(true);
  });

  it('dates the answer as the router says and names the chain model, not modelVersion', () => {
    const body = {
      candidates: [{ content: { parts: [{ text: 'hi' }] }, finishReason: 'STOP' }],
      modelVersion: 'gemini-2.5-flash-preview-05-20',
    };
    expect(geminiProvider.response?.('chat', body, { ...ctx('gemini-2.5-flash'), created: 1234 })).toMatchObject({
      created: 1234,
      model: 'gemini-2.5-flash',
    });
  });
});

describe('gemini: malformed requests are the client’s error, with the field named', () => {
  const user = (content: unknown) => ({ model: 'm', messages: [{ role: 'user', content }] });
  const call = { id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } };

  it.each([
    ['messages[0].content[0].image_url.url', user([{ type: 'image_url' }])],
    ['messages[0].content[0].image_url.url', user([{ type: 'image_url', image_url: { detail: 'low' } }])],
    ['messages[0].content[0]', user([null])],
    ['messages[0].content[0].text', user([{ type: 'text' }])],
    ['messages[0].content', user(42)],
    ['messages[0].content[0].input_audio', user([{ type: 'input_audio' }])],
    ['tools[0].function', { ...user('hi'), tools: [{ type: 'function' }] }],
    ['tools[0].type', { ...user('hi'), tools: [{ function: { name: 'f' } }] }],
    ['tools[0].function.name', { ...user('hi'), tools: [{ type: 'function', function: { description: 'no name' } }] }],
    ['tool_choice.function.name', { ...user('hi'), tools: [call], tool_choice: { type: 'function' } }],
    [
      'messages[1].tool_calls[0].function',
      {
        model: 'm',
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', tool_calls: [{ id: 'call_1', type: 'function' }] },
        ],
      },
    ],
    [
      'messages[1].tool_calls',
      {
        model: 'm',
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', tool_calls: { id: 'call_1' } },
        ],
      },
    ],
  ])('%s', (param, body) => {
    const attempt = () => geminiProvider.request('chat', body, ctx('gemini-2.0-flash'));
    expect(attempt).toThrow(InvalidRequestError);
    expect(attempt).toThrow(expect.objectContaining({ param }));
  });

  it('reads a URL it cannot parse as naming no file type rather than failing', () => {
    const sent = JSON.parse(
      geminiProvider.request('chat', user([{ type: 'image_url', image_url: { url: 'http://' } }]), ctx('g')).body ?? '{}',
    );
    expect(sent.contents[0].parts[0]).toEqual({ fileData: { fileUri: 'http://' } });
  });
});
