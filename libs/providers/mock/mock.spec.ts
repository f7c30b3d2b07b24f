import { SseDecoder } from '../http/sse';
import { decodeEmbedding, type ChatCompletion, type ChatCompletionChunk, type EmbeddingsResponse } from '../shared';
import { arithmeticIn, decideTurn } from './chat.reply';
import { MOCK_KEY, createMockProvider } from './mock.provider';
import { MockTransport } from './mock.transport';

const transport = new MockTransport({ now: () => 1_700_000_000_000, newId: () => 'fixed' });
const provider = createMockProvider(transport);
const profile = { name: 'mock', type: 'mock' as const, baseUrl: 'mock://local' };
const opts = { connectTimeoutMs: 1000, timeoutMs: 1000 };
const calculatorTool = {
  type: 'function',
  function: { name: 'calculator', parameters: { type: 'object', properties: { expression: { type: 'string' } } } },
};

async function call(op: 'chat' | 'completions' | 'embeddings' | 'models', body: Record<string, unknown>, model = 'mock-1', key = MOCK_KEY) {
  const req = provider.request(op, body, { profile, model, key, stream: body.stream === true });
  return transport.send(req, opts);
}

async function json<T>(op: 'chat' | 'completions' | 'embeddings' | 'models', body: Record<string, unknown>, model?: string): Promise<T> {
  const res = await call(op, body, model);
  expect(res.status).toBe(200);
  return JSON.parse(await res.body.text()) as T;
}

/** Reads a streamed answer the way the gateway does: bytes -> SSE events -> the provider's mapper. */
async function streamed(body: Record<string, unknown>): Promise<ChatCompletionChunk[]> {
  const res = await call('chat', { ...body, stream: true });
  expect(res.headers['content-type']).toBe('text/event-stream');
  const decoder = new SseDecoder();
  let state = provider.stream.init({ model: 'mock-1', id: 'x', created: 0 });
  const out: ChatCompletionChunk[] = [];
  let done = false;
  for await (const bytes of res.body) {
    for (const event of decoder.push(bytes)) {
      const step = provider.stream.next(state, event);
      state = step.state;
      out.push(...step.chunks.map((c) => JSON.parse(c as string) as ChatCompletionChunk));
      done ||= step.done === true;
    }
  }
  expect(done).toBe(true);
  return out;
}

const user = (content: string) => ({ messages: [{ role: 'user', content }] });

describe('mock provider', () => {
  describe('chat', () => {
    it('replies deterministically to the last user message, counting words as tokens', async () => {
      const answer = await json<ChatCompletion>('chat', {
        messages: [
          { role: 'system', content: 'Be nice.' },
          { role: 'user', content: 'hello there' },
        ],
      });
      expect(answer).toMatchObject({
        object: 'chat.completion',
        model: 'mock-1',
        created: 1_700_000_000,
        choices: [{ index: 0, message: { role: 'assistant', content: 'Mock reply to: hello there' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 4, completion_tokens: 5, total_tokens: 9 },
      });
      const again = await json<ChatCompletion>('chat', {
        messages: [
          { role: 'system', content: 'Be nice.' },
          { role: 'user', content: 'hello there' },
        ],
      });
      expect(again.choices).toEqual(answer.choices);
    });

    it('answers with the model the chain asked for', async () => {
      expect((await json<ChatCompletion>('chat', user('hi'), 'mock-2')).model).toBe('mock-2');
    });

    it('stops at max_tokens with finish_reason length', async () => {
      const answer = await json<ChatCompletion>('chat', { ...user('one two three'), max_tokens: 2 });
      expect(answer.choices[0]).toMatchObject({ message: { content: 'Mock reply' }, finish_reason: 'length' });
    });

    it('streams the same reply word by word: role, content, finish, usage', async () => {
      const chunks = await streamed({ ...user('hello there'), stream_options: { include_usage: true } });
      expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
      const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
      expect(text).toBe('Mock reply to: hello there');
      expect(chunks.filter((c) => c.choices[0]?.delta.content).length).toBe(5);
      expect(chunks.at(-2)?.choices[0].finish_reason).toBe('stop');
      expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: 5 } });
      expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    });

    it('sends no usage chunk unless asked', async () => {
      const chunks = await streamed(user('hi'));
      expect(chunks.every((c) => c.choices.length === 1)).toBe(true);
    });
  });

  describe('tools', () => {
    it('calls the calculator for arithmetic when the tool is offered', async () => {
      const answer = await json<ChatCompletion>('chat', { ...user('What is 12 * (3 + 4)?'), tools: [calculatorTool] });
      expect(answer.choices[0].finish_reason).toBe('tool_calls');
      const call = answer.choices[0].message.tool_calls?.[0];
      expect(call).toMatchObject({ type: 'function', function: { name: 'calculator' } });
      expect(JSON.parse(call?.function.arguments ?? '')).toEqual({ expression: '12 * (3 + 4)' });
      expect(answer.choices[0].message.content).toBeNull();
    });

    it('streams the tool call as deltas that assemble into the same call', async () => {
      const chunks = await streamed({ ...user('compute 2+2'), tools: [calculatorTool] });
      const deltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
      expect(deltas[0]).toMatchObject({ index: 0, type: 'function', function: { name: 'calculator' } });
      expect(JSON.parse(deltas.map((d) => d.function.arguments ?? '').join(''))).toEqual({ expression: '2+2' });
      expect(chunks.at(-1)?.choices[0].finish_reason).toBe('tool_calls');
    });

    it('answers from the tool result', async () => {
      const answer = await json<ChatCompletion>('chat', {
        messages: [
          { role: 'user', content: 'What is 6*7?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'calculator', arguments: '{"expression":"6*7"}' } }],
          },
          { role: 'tool', tool_call_id: 'call_1', content: '42' },
        ],
        tools: [calculatorTool],
      });
      expect(answer.choices[0]).toMatchObject({ message: { content: 'The answer is 42.' }, finish_reason: 'stop' });
    });

    it('answers plainly when no calculator is offered', async () => {
      const answer = await json<ChatCompletion>('chat', user('What is 6*7?'));
      expect(answer.choices[0].message.content).toBe('Mock reply to: What is 6*7?');
    });
  });

  describe('ReAct text protocol', () => {
    const system = {
      role: 'system',
      content: 'Tools:\n- calculator: math\nAction: one of [calculator]\nAction Input: JSON\nFinal Answer: the answer',
    };

    it('writes an Action for arithmetic', () => {
      expect(decideTurn({ messages: [system, { role: 'user', content: 'What is 6*7?' }] as never })).toEqual({
        kind: 'text',
        text: 'Thought: I need to calculate 6*7.\nAction: calculator\nAction Input: {"expression":"6*7"}',
      });
    });

    it('writes the Final Answer from an Observation', () => {
      const turn = decideTurn({
        messages: [
          system,
          { role: 'user', content: 'What is 6*7?' },
          { role: 'assistant', content: 'Action: calculator' },
          { role: 'user', content: 'Observation: 42' },
        ] as never,
      });
      expect(turn).toEqual({ kind: 'text', text: 'Thought: I now know the final answer\nFinal Answer: The answer is 42.' });
    });

    it('keeps the protocol after a native tool result', () => {
      const turn = decideTurn({
        messages: [system, { role: 'user', content: '1+1' }, { role: 'tool', content: '2' }] as never,
        tools: [calculatorTool],
      });
      expect(turn).toEqual({ kind: 'text', text: 'Thought: I now know the final answer\nFinal Answer: The answer is 2.' });
    });
  });

  describe('arithmeticIn', () => {
    it.each([
      ['What is 12 * (3 + 4)?', '12 * (3 + 4)'],
      ['2+2', '2+2'],
      ['compute 1.5 / 3 please', '1.5 / 3'],
      ['I have 3 apples', undefined],
      ['no numbers at all', undefined],
    ])('%s -> %s', (text, expected) => {
      expect(arithmeticIn(text)).toBe(expected);
    });
  });

  describe('embeddings', () => {
    it('gives equal inputs equal unit vectors and different inputs different ones', async () => {
      const res = await json<EmbeddingsResponse>('embeddings', { input: ['alpha', 'beta', 'alpha'] }, 'mock-embed');
      const [a, b, a2] = res.data.map((d) => decodeEmbedding(d.embedding));
      expect(a).toHaveLength(8);
      expect(Math.hypot(...a)).toBeCloseTo(1, 10);
      expect(a2).toEqual(a);
      expect(b).not.toEqual(a);
      expect(res.data.map((d) => d.index)).toEqual([0, 1, 2]);
      expect(res).toMatchObject({ object: 'list', model: 'mock-embed', usage: { prompt_tokens: 3 } });
    });

    it('honours dimensions and base64 encoding', async () => {
      const floats = await json<EmbeddingsResponse>('embeddings', { input: 'x', dimensions: 4 });
      const encoded = await json<{ data: Array<{ embedding: string }> }>('embeddings', {
        input: 'x',
        dimensions: 4,
        encoding_format: 'base64',
      });
      const buf = Buffer.from(encoded.data[0].embedding, 'base64');
      const decoded = Array.from(new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4));
      expect(decoded).toHaveLength(4);
      decoded.forEach((v, i) => expect(v).toBeCloseTo(decodeEmbedding(floats.data[0].embedding)[i], 6));
    });
  });

  describe('completions and models', () => {
    it('completes a prompt', async () => {
      const res = await json<{ object: string; choices: Array<{ text: string }> }>('completions', { prompt: 'Say hi' });
      expect(res).toMatchObject({ object: 'text_completion', choices: [{ text: 'Mock completion of: Say hi' }] });
    });

    it('lists its models, and answers its probe', async () => {
      const list = await json<{ data: Array<{ id: string }> }>('models', {});
      expect(list.data.map((m) => m.id)).toEqual(['mock-1', 'mock-embed']);
      const probe = await transport.send(provider.probe({ profile, key: MOCK_KEY }), opts);
      expect(provider.classify(probe.status, probe.headers, await probe.body.text(), 0)).toEqual({ kind: 'ok' });
    });
  });

  describe('errors on demand', () => {
    it.each([
      [500, { kind: 'quarantine', rateLimited: false }],
      [429, { kind: 'quarantine', rateLimited: true, retryAfterMs: 1000 }],
      [401, { kind: 'retire' }],
      [400, { kind: 'client_error' }],
    ])('mock-error-%i answers that status with an OpenAI error body', async (status, outcome) => {
      const res = await call('chat', user('hi'), `mock-error-${status}`);
      expect(res.status).toBe(status);
      const body = JSON.parse(await res.body.text()) as { error: { message: string; type: string } };
      expect(body.error.message).toEqual(expect.any(String));
      expect(provider.classify(res.status, res.headers, body, 0)).toMatchObject({ status, ...outcome });
    });

    it('answers a revoked key with 401 and a limited key with 429', async () => {
      expect((await call('chat', user('hi'), 'mock-1', 'mock-revoked-1')).status).toBe(401);
      const limited = await call('chat', user('hi'), 'mock-1', 'mock-limited-1');
      expect(provider.classify(limited.status, limited.headers, {}, 0)).toMatchObject({ kind: 'quarantine', retryAfterMs: 30_000 });
    });

    it('stops streaming when the caller aborts', async () => {
      const controller = new AbortController();
      const res = await transport.send(
        provider.request('chat', { ...user('a b c d e f'), stream: true }, { profile, model: 'mock-1', key: MOCK_KEY, stream: true }),
        {
          ...opts,
          signal: controller.signal,
        },
      );
      const read = (async () => {
        for await (const piece of res.body) {
          void piece;
          controller.abort();
        }
      })();
      await expect(read).rejects.toMatchObject({ name: 'AbortError' });
    });
  });
});
