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
import { InvalidRequestError, UnsupportedFeatureError, type CallContext, type ProfileInfo } from '../provider';
import { decodeEmbedding } from '../shared';
import { cohereProvider } from './cohere.provider';

const fixtures = fixturesIn(`${__dirname}/fixtures`);
const KEY = 'test-cohere-key';
const NOW = Date.parse('2025-01-01T00:00:00Z');

function profile(baseUrl = 'https://api.cohere.com'): ProfileInfo {
  return { name: 'cohere_main', type: 'cohere', baseUrl };
}

function ctx(model: string, stream = false, baseUrl?: string): CallContext {
  return { profile: profile(baseUrl), model, key: KEY, stream, created: 1700000000 };
}

describe('cohere: OpenAI request -> Cohere v2 request', () => {
  it.each(fixtures.files('.request.json'))('%s', (name) => {
    const f = fixtures.json<RequestFixture>(name);
    expectRecordedUpstream(cohereProvider.request(f.op ?? 'chat', f.openai, ctx(f.model, f.stream, f.baseUrl)), f.upstream);
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

describe('cohere: Cohere response -> OpenAI response', () => {
  it.each(fixtures.files('.response.json'))('%s', (name) => {
    const f = fixtures.json<ResponseFixture>(name);
    expect(cohereProvider.response?.(f.op, f.upstream, ctx(f.model))).toEqual(f.openai);
  });
});

describe('cohere: streamed events -> OpenAI chunks', () => {
  it.each(fixtures.files('.sse'))('%s', (sseFile) => {
    const expected = fixtures.json<ChunksFixture>(sseFile.replace(/\.sse$/, '.chunks.json'));
    const { chunks, done } = mapRecordedStream(cohereProvider.stream, fixtures.text(sseFile), { ...expected.ctx, includeUsage: true });
    expect(chunks).toEqual(expected.chunks);
    expect(done).toEqual([...done.slice(0, -1).map(() => false), true]);
  });

  it.each(fixtures.files('.sse'))(
    '%s accumulates, as the openai SDK does, to the full content and complete tool calls',
    async (sseFile) => {
      const expected = fixtures.json<ChunksFixture>(sseFile.replace(/\.sse$/, '.chunks.json'));
      const completion = await accumulateWithSdk(
        mapRecordedStream(cohereProvider.stream, fixtures.text(sseFile), { ...expected.ctx, includeUsage: true }).chunks,
      );
      expectAccumulatedAsRecorded(completion, expected);
    },
  );

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
  const { cases } = fixtures.json<{ cases: ErrorCase[] }>('errors.json');

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

/** Maps raw Cohere stream events (as data objects) and returns the chunks. */
function mapEvents(
  events: unknown[],
  includeUsage = false,
): Array<{ choices: Array<{ delta: Record<string, unknown>; finish_reason: unknown }> }> {
  let state = cohereProvider.stream.init({ id: 'c', created: 1, model: 'm', includeUsage });
  const chunks: unknown[] = [];
  for (const e of events) {
    const step = cohereProvider.stream.next(state, { data: JSON.stringify(e) });
    state = step.state;
    chunks.push(...step.chunks);
  }
  return chunks as Array<{ choices: Array<{ delta: Record<string, unknown>; finish_reason: unknown }> }>;
}

describe('cohere: what a client can tell apart', () => {
  const answer = (finish: string) => ({
    id: 'x',
    finish_reason: finish,
    message: { role: 'assistant', content: [{ type: 'text', text: 'Par' }] },
  });

  it.each(['ERROR', 'TIMEOUT'])('reports a generation cut short by %s as length, never as a finished stop', (reason) => {
    expect(cohereProvider.response?.('chat', answer(reason), ctx('command-a-03-2025'))).toMatchObject({
      choices: [{ finish_reason: 'length', message: { content: 'Par' } }],
    });
    const end = mapEvents([{ type: 'message-end', delta: { finish_reason: reason } }]);
    expect(end[0].choices[0].finish_reason).toBe('length');
  });

  it('keeps the tool plan as content both ways, so a replayed turn is what Cohere said', () => {
    const f = fixtures.json<ResponseFixture>('chat-tool-call.response.json');
    const message = (cohereProvider.response?.('chat', f.upstream, ctx(f.model)) as { choices: Array<{ message: unknown }> }).choices[0]
      .message;
    const replay = { model: 'm', messages: [{ role: 'user', content: 'weather?' }, message] };
    const sent = JSON.parse(cohereProvider.request('chat', replay, ctx(f.model)).body ?? '{}');
    expect(sent.messages[1]).toEqual((f.upstream as { message: Record<string, unknown> }).message);
  });

  it('says {} for a streamed tool call without arguments, as the non-streamed answer does', () => {
    const chunks = mapEvents([
      {
        type: 'tool-call-start',
        index: 0,
        delta: { message: { tool_calls: { id: 't1', type: 'function', function: { name: 'now', arguments: '' } } } },
      },
      { type: 'tool-call-end', index: 0 },
      { type: 'message-end', delta: { finish_reason: 'TOOL_CALL' } },
    ]);
    const args = chunks.flatMap((c) => (c.choices[0].delta.tool_calls as Array<{ function: { arguments?: string } }> | undefined) ?? []);
    expect(args.map((a) => a.function.arguments).join('')).toBe('{}');
    const plain = {
      id: 'x',
      finish_reason: 'TOOL_CALL',
      message: { role: 'assistant', tool_calls: [{ id: 't1', type: 'function', function: { name: 'now' } }] },
    };
    expect(cohereProvider.response?.('chat', plain, ctx('m'))).toMatchObject({
      choices: [{ message: { tool_calls: [{ function: { arguments: '{}' } }] } }],
    });
  });

  it('ends a stream with the usage chunk only when stream_options.include_usage asked for it', () => {
    const end = {
      type: 'message-end',
      delta: { finish_reason: 'COMPLETE', usage: { billed_units: { input_tokens: 3, output_tokens: 4 } } },
    };
    expect(mapEvents([end])).toHaveLength(1);
    expect(mapEvents([end], true)[1]).toMatchObject({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } });
  });

  it('encodes embeddings as base64 float32 when asked, as the openai SDK asks by default', () => {
    const f = fixtures.json<ResponseFixture>('embeddings.response.json');
    const out = cohereProvider.response?.('embeddings', f.upstream, { ...ctx(f.model), encodingFormat: 'base64' }) as {
      data: Array<{ embedding: string }>;
    };
    const expected = (f.openai as { data: Array<{ embedding: number[] }> }).data;
    out.data.forEach((d, i) => decodeEmbedding(d.embedding).forEach((v, j) => expect(v).toBeCloseTo(expected[i].embedding[j], 6)));
  });

  it('dates a non-streamed answer as the router says', () => {
    expect(cohereProvider.response?.('chat', answer('COMPLETE'), { ...ctx('m'), created: 1234 })).toMatchObject({ created: 1234 });
  });
});

describe('cohere: malformed requests are the client’s error, with the field named', () => {
  const user = (content: unknown) => ({ model: 'm', messages: [{ role: 'user', content }] });

  it.each([
    ['messages[0].content[0].image_url.url', user([{ type: 'image_url' }])],
    ['messages[0].content[0]', user(['just a string'])],
    ['messages[0].content', user({ text: 'hi' })],
    ['tools[0].function', { ...user('hi'), tools: [{ type: 'function' }] }],
    [
      'messages[1].tool_calls[0].function',
      {
        model: 'm',
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', tool_calls: [{ id: 'c1', type: 'function' }] },
        ],
      },
    ],
    [
      'messages[1].tool_call_id',
      {
        model: 'm',
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'tool', content: 'x' },
        ],
      },
    ],
  ])('%s', (param, body) => {
    const attempt = () => cohereProvider.request('chat', body, ctx('command-a-03-2025'));
    expect(attempt).toThrow(InvalidRequestError);
    expect(attempt).toThrow(expect.objectContaining({ param }));
  });
});
