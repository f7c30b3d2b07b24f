import { fixturesIn } from '../../../test/support/fixtures';
import { mapInSlices } from '../../../test/support/provider-fixtures';
import type { CallContext, Outcome } from '../provider';
import type { ChatCompletionChunk } from '../shared';
import { openAiProvider } from './openai.provider';

const fixtures = fixturesIn(`${__dirname}/fixtures`);

const profile = { name: 'openai_main', type: 'openai' as const, baseUrl: 'https://api.openai.com/v1' };
const ctx = (model: string, stream = false): CallContext => ({ profile, model, key: 'sk-test-REDACTED', stream });

/** The passthrough mapper fed the SSE text in slices, as a socket would: it emits the upstream's JSON text. */
const mapStream = (sse: string, sliceBytes: number) => {
  const { chunks, done } = mapInSlices(openAiProvider.stream, sse, { model: 'gpt-4o', id: 'unused', created: 0 }, sliceBytes);
  return { chunks: chunks as string[], done };
};

describe('openai provider', () => {
  describe('request mapping', () => {
    it('passes a chat body through with only the model replaced', () => {
      const req = openAiProvider.request('chat', fixtures.json('chat-tools.request.json'), ctx('gpt-4o', true));
      const expected = fixtures.json<{ method: string; url: string; headers: Record<string, string>; body: unknown }>(
        'chat-tools.upstream.json',
      );
      expect({ ...req, body: JSON.parse(req.body ?? '') }).toEqual(expected);
    });

    it('sends embeddings to /embeddings', () => {
      const req = openAiProvider.request('embeddings', fixtures.json('embeddings.request.json'), ctx('text-embedding-3-small'));
      expect({ ...req, body: JSON.parse(req.body ?? '') }).toEqual(fixtures.json('embeddings.upstream.json'));
    });

    it('sends completions to /completions', () => {
      const req = openAiProvider.request('completions', { model: 'x', prompt: 'Say hi' }, ctx('gpt-3.5-turbo-instruct'));
      expect(req.url).toBe('https://api.openai.com/v1/completions');
      expect(JSON.parse(req.body ?? '')).toEqual({ model: 'gpt-3.5-turbo-instruct', prompt: 'Say hi' });
    });

    it('lists models with a bodiless GET', () => {
      expect(openAiProvider.request('models', {}, ctx('x'))).toEqual({
        method: 'GET',
        url: 'https://api.openai.com/v1/models',
        headers: { authorization: 'Bearer sk-test-REDACTED' },
      });
    });

    it('follows any OpenAI-compatible base_url', () => {
      const local = { ...profile, baseUrl: 'http://localhost:11434/v1' };
      const req = openAiProvider.request('chat', { messages: [] }, { ...ctx('llama3.2'), profile: local });
      expect(req.url).toBe('http://localhost:11434/v1/chat/completions');
    });

    it('probes with GET /models', () => {
      expect(openAiProvider.probe({ profile, key: 'sk-test-REDACTED' })).toEqual({
        method: 'GET',
        url: 'https://api.openai.com/v1/models',
        headers: { authorization: 'Bearer sk-test-REDACTED' },
      });
    });

    it('forwards the bytes of the answer untouched (no response mapper)', () => {
      expect(openAiProvider.response).toBeUndefined();
    });
  });

  describe('stream mapping', () => {
    const sse = fixtures.text('chat-stream-tools.sse');
    const expected = fixtures.json<string[]>('chat-stream-tools.expected.json');

    it.each([1, 7, 64, 100_000])('forwards every payload byte-for-byte, ending on [DONE] (slices of %i bytes)', (slice) => {
      const { chunks, done } = mapStream(sse, slice);
      expect(chunks).toEqual(expected);
      expect(done).toBe(true);
    });

    it('carries tool-call deltas that assemble into the calls and the final usage chunk', () => {
      const chunks = mapStream(sse, 16).chunks.map((c) => JSON.parse(c) as ChatCompletionChunk);
      const args = ['', ''];
      const names: string[] = [];
      for (const c of chunks) {
        for (const call of c.choices[0]?.delta.tool_calls ?? []) {
          if (call.function.name) names[call.index] = call.function.name;
          args[call.index] += call.function.arguments ?? '';
        }
      }
      expect(names).toEqual(['get_weather', 'get_time']);
      expect(args.map((a) => JSON.parse(a))).toEqual([{ city: 'Paris' }, { tz: 'Europe/Paris' }]);
      expect(chunks.at(-2)?.choices[0].finish_reason).toBe('tool_calls');
      expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { total_tokens: 115 } });
    });

    it('drops a chunk with no choices and no usage', () => {
      const step = openAiProvider.stream.next(null, { data: '{"id":"x","object":"chat.completion.chunk","choices": [],"usage":null}' });
      expect(step.chunks).toEqual([]);
    });
  });

  describe('classification', () => {
    const cases =
      fixtures.json<Array<{ name: string; status: number; headers: Record<string, string>; body: unknown; outcome: Outcome }>>(
        'errors.json',
      );
    it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
      expect(openAiProvider.classify(c.status, c.headers, c.body, Date.parse('2025-03-10T00:00:00Z'))).toEqual(c.outcome);
    });
  });
});
