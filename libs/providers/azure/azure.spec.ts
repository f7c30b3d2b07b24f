import { fixturesIn } from '../../../test/support/fixtures';
import { mapInSlices } from '../../../test/support/provider-fixtures';
import type { CallContext, Outcome } from '../provider';
import type { ChatCompletionChunk } from '../shared';
import { azureProvider } from './azure.provider';

const fixtures = fixturesIn(`${__dirname}/fixtures`);

const profile = { name: 'azure_backup', type: 'azure' as const, baseUrl: 'https://contoso-eastus.openai.azure.com' };
const ctx = (model: string): CallContext => ({ profile, model, key: 'azure-key-REDACTED', stream: false });

/** The passthrough mapper fed the SSE text in slices, as a socket would: it emits the upstream's JSON text. */
const mapStream = (sse: string, sliceBytes: number) => {
  const { chunks, done } = mapInSlices(azureProvider.stream, sse, { model: 'gpt4o-deploy', id: 'unused', created: 0 }, sliceBytes);
  return { chunks: chunks as string[], done };
};

describe('azure provider', () => {
  describe('request mapping', () => {
    it('addresses the deployment by URL with the api-key header and passes the body through', () => {
      const req = azureProvider.request('chat', fixtures.json('chat.request.json'), ctx('gpt4o-deploy'));
      expect({ ...req, body: JSON.parse(req.body ?? '') }).toEqual(fixtures.json('chat.upstream.json'));
    });

    it('uses the profile api_version', () => {
      const req = azureProvider.request(
        'embeddings',
        { input: 'x' },
        { ...ctx('emb'), profile: { ...profile, apiVersion: '2025-01-01-preview' } },
      );
      expect(req.url).toBe('https://contoso-eastus.openai.azure.com/openai/deployments/emb/embeddings?api-version=2025-01-01-preview');
    });

    it('sends completions to the deployment', () => {
      expect(azureProvider.request('completions', { prompt: 'hi' }, ctx('instruct')).url).toBe(
        'https://contoso-eastus.openai.azure.com/openai/deployments/instruct/completions?api-version=2024-10-21',
      );
    });

    it('probes with Models - List', () => {
      expect(azureProvider.probe({ profile, key: 'azure-key-REDACTED' })).toEqual({
        method: 'GET',
        url: 'https://contoso-eastus.openai.azure.com/openai/models?api-version=2024-10-21',
        headers: { 'api-key': 'azure-key-REDACTED' },
      });
    });

    it('never sends an Authorization header', () => {
      expect(azureProvider.request('chat', { messages: [] }, ctx('d')).headers).not.toHaveProperty('authorization');
    });
  });

  describe('stream mapping', () => {
    const sse = fixtures.text('chat-stream-tools.sse');
    const expected = fixtures.json<string[]>('chat-stream-tools.expected.json');

    it.each([3, 50, 100_000])('drops the prompt-filter opening chunk and forwards the rest (slices of %i bytes)', (slice) => {
      const { chunks, done } = mapStream(sse, slice);
      expect(chunks).toEqual(expected);
      expect(done).toBe(true);
    });

    it('leaves every chunk with a choice that has a delta, or usage only', () => {
      const chunks = mapStream(sse, 100).chunks.map((c) => JSON.parse(c) as ChatCompletionChunk);
      for (const c of chunks) {
        if (c.choices.length === 0) expect(c.usage).toBeTruthy();
        else expect(c.choices.every((choice) => choice.delta && typeof choice.delta === 'object')).toBe(true);
        expect(c.object).toBe('chat.completion.chunk');
      }
      const args = chunks
        .flatMap((c) => c.choices[0]?.delta.tool_calls ?? [])
        .map((t) => t.function.arguments ?? '')
        .join('');
      expect(JSON.parse(args)).toEqual({ city: 'Paris' });
      expect(chunks.at(-1)?.usage?.total_tokens).toBe(96);
    });
  });

  describe('classification', () => {
    const cases =
      fixtures.json<Array<{ name: string; status: number; headers: Record<string, string>; body: unknown; outcome: Outcome }>>(
        'errors.json',
      );
    it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
      expect(azureProvider.classify(c.status, c.headers, c.body, Date.parse('2025-03-10T00:00:00Z'))).toEqual(c.outcome);
    });
  });
});
