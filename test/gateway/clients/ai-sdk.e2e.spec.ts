import { createOpenAI } from '@ai-sdk/openai';
import { generateObject, generateText, stepCountIs, streamText, tool } from 'ai';
import { z } from 'zod';
import { startProviderUpstream, type ProviderUpstream } from '../../support/provider-upstreams';
import { startScriptedUpstream, type ScriptedUpstream } from '../../support/scripted-upstream';
import { startGateway, type StartedGateway } from '../../support/start-gateway';
import { anthropicModel, geminiModel, openAiModel, type Script } from './smart-upstreams';

/**
 * The Vercel AI SDK with its default provider call (`createOpenAI(...)(model)`, which speaks the
 * Responses API), unmodified, against aliases of each provider type: everything goes through
 * /v1/responses, translated to chat and back, over the same routing as chat completions.
 */
const script: Script = { object: { city: 'Paris', celsius: 21 }, toolArgs: { city: 'Paris' }, text: 'Hello from the model.' };

describe('Vercel AI SDK (ai 5, @ai-sdk/openai 2) through /v1/responses', () => {
  let openai: ScriptedUpstream;
  let anthropic: ProviderUpstream;
  let gemini: ProviderUpstream;
  let gateway: StartedGateway;
  let provider: ReturnType<typeof createOpenAI>;

  beforeAll(async () => {
    [openai, anthropic, gemini] = await Promise.all([
      startScriptedUpstream(),
      startProviderUpstream('anthropic'),
      startProviderUpstream('gemini'),
    ]);
    openai.fallback(openAiModel(script));
    anthropic.forKey('sk-ant', anthropicModel(script));
    gemini.forKey('g-key', geminiModel(script));
    gateway = await startGateway({
      config: {
        providers: {
          openai_main: { type: 'openai', base_url: openai.baseUrl, keys: ['sk-oai'] },
          claude_main: { type: 'anthropic', base_url: anthropic.baseUrl, keys: ['sk-ant'] },
          gemini_main: { type: 'gemini', base_url: gemini.baseUrl, keys: ['g-key'] },
        },
        models: {
          'gpt-alias': { chain: [{ provider: 'openai_main', model: 'gpt-4o' }] },
          'claude-alias': { chain: [{ provider: 'claude_main', model: 'claude-sonnet-4-5' }] },
          'gemini-alias': { chain: [{ provider: 'gemini_main', model: 'gemini-2.0-flash' }] },
        },
      },
    });
    provider = createOpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused' });
  });

  afterAll(async () => {
    await gateway?.close();
    await Promise.all([openai?.close(), anthropic?.close(), gemini?.close()]);
  });

  const weather = tool({
    description: 'Current weather of a city',
    inputSchema: z.object({ city: z.string() }),
    execute: async ({ city }) => ({ city, celsius: 21 }),
  });

  /** What the upstream got back on the round trip's second call: the model's own call (from the stored item) before the result. */
  const echoedCall: Record<string, () => unknown> = {
    'gpt-alias': () => (openai.requests[openai.requests.length - 1].body as { messages: unknown[] }).messages,
    'claude-alias': () => (anthropic.received[anthropic.received.length - 1].body as { messages: unknown[] }).messages,
    'gemini-alias': () => (gemini.received[gemini.received.length - 1].body as { contents: unknown[] }).contents,
  };
  const expectedCall: Record<string, unknown> = {
    'gpt-alias': expect.objectContaining({ role: 'assistant', tool_calls: [expect.objectContaining({ id: 'call_smart_1' })] }),
    'claude-alias': expect.objectContaining({
      role: 'assistant',
      content: [expect.objectContaining({ type: 'tool_use', id: 'toolu_smart_1' })],
    }),
    'gemini-alias': expect.objectContaining({
      role: 'model',
      parts: [expect.objectContaining({ functionCall: expect.objectContaining({ name: 'weather' }) })],
    }),
  };

  describe.each(['gpt-alias', 'claude-alias', 'gemini-alias'])('on %s', (alias) => {
    it('generateText answers with the model text and usage', async () => {
      const result = await generateText({ model: provider(alias), prompt: 'Say hello.' });
      expect(result.text).toBe('Hello from the model.');
      expect(result.usage.inputTokens).toBe(11);
      expect(result.finishReason).toBe('stop');
    });

    it('streamText streams the same text', async () => {
      const result = streamText({ model: provider(alias), prompt: 'Say hello.' });
      let text = '';
      for await (const piece of result.textStream) text += piece;
      expect(text).toBe('Hello from the model.');
      expect((await result.usage).outputTokens).toBe(7);
    });

    it('runs a tool round trip: the call, its result sent back (by item reference), the final text', async () => {
      const result = await generateText({
        model: provider(alias),
        prompt: 'Weather in Paris?',
        tools: { weather },
        stopWhen: stepCountIs(2),
      });
      expect(result.steps[0].toolCalls.map((c) => [c.toolName, c.input])).toEqual([['weather', { city: 'Paris' }]]);
      expect(result.text).toContain('The tool said:');
      expect(result.text).toContain('21');
      expect(echoedCall[alias]()).toContainEqual(expectedCall[alias]);
    });

    it('generateObject fills a zod schema', async () => {
      const { object } = await generateObject({
        model: provider(alias),
        schema: z.object({ city: z.string(), celsius: z.number() }),
        prompt: 'Weather in Paris as JSON.',
      });
      expect(object).toEqual({ city: 'Paris', celsius: 21 });
    });
  });
});
