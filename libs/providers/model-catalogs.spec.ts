import type { ModelPage, ProfileInfo } from './provider';
import { providerFor, type ProviderType } from './registry';

const KEY = 'sk-model-list-secret';
const profile = (type: ProviderType, baseUrl: string): ProfileInfo => ({ name: `${type}_main`, type, baseUrl, apiVersion: '2024-10-21' });

/** Each dialect's list-models call: the request for the first page and the next, and one answer as its upstream writes it. */
const cases: Array<{
  type: ProviderType;
  baseUrl: string;
  first: string;
  next?: [string, string];
  keyHeader: [string, string];
  answer: unknown;
  page: ModelPage;
}> = [
  {
    type: 'openai',
    baseUrl: 'https://api.openai.com/v1',
    first: 'https://api.openai.com/v1/models',
    keyHeader: ['authorization', `Bearer ${KEY}`],
    answer: {
      object: 'list',
      data: [
        { id: 'gpt-4o', object: 'model', created: 1715367049, owned_by: 'system' },
        { id: 'text-embedding-3-small', object: 'model', created: 1705948997, owned_by: 'system' },
      ],
    },
    page: { models: [{ id: 'gpt-4o' }, { id: 'text-embedding-3-small' }] },
  },
  {
    type: 'azure',
    baseUrl: 'https://acme.openai.azure.com',
    first: 'https://acme.openai.azure.com/openai/models?api-version=2024-10-21',
    keyHeader: ['api-key', KEY],
    answer: { data: [{ id: 'gpt-4o-2024-08-06', status: 'succeeded', capabilities: { chat_completion: true } }], object: 'list' },
    page: { models: [{ id: 'gpt-4o-2024-08-06' }] },
  },
  {
    type: 'anthropic',
    baseUrl: 'https://api.anthropic.com',
    first: 'https://api.anthropic.com/v1/models?limit=1000',
    next: ['claude-3-5-haiku-20241022', 'https://api.anthropic.com/v1/models?limit=1000&after_id=claude-3-5-haiku-20241022'],
    keyHeader: ['x-api-key', KEY],
    answer: {
      data: [
        { type: 'model', id: 'claude-sonnet-4-20250514', display_name: 'Claude Sonnet 4', created_at: '2025-05-22T00:00:00Z' },
        { type: 'model', id: 'claude-3-5-haiku-20241022', display_name: 'Claude Haiku 3.5', created_at: '2024-10-22T00:00:00Z' },
      ],
      has_more: true,
      first_id: 'claude-sonnet-4-20250514',
      last_id: 'claude-3-5-haiku-20241022',
    },
    page: {
      models: [
        { id: 'claude-sonnet-4-20250514', display_name: 'Claude Sonnet 4' },
        { id: 'claude-3-5-haiku-20241022', display_name: 'Claude Haiku 3.5' },
      ],
      cursor: 'claude-3-5-haiku-20241022',
    },
  },
  {
    type: 'gemini',
    baseUrl: 'https://generativelanguage.googleapis.com',
    first: 'https://generativelanguage.googleapis.com/v1beta/models?pageSize=1000',
    next: ['tok/2=', 'https://generativelanguage.googleapis.com/v1beta/models?pageSize=1000&pageToken=tok%2F2%3D'],
    keyHeader: ['x-goog-api-key', KEY],
    answer: {
      models: [
        {
          name: 'models/gemini-2.0-flash',
          version: '2.0',
          displayName: 'Gemini 2.0 Flash',
          supportedGenerationMethods: ['generateContent', 'countTokens'],
        },
        { name: 'models/text-embedding-004', version: '004', displayName: 'Text Embedding 004' },
      ],
      nextPageToken: 'tok/2=',
    },
    page: {
      models: [
        { id: 'gemini-2.0-flash', display_name: 'Gemini 2.0 Flash' },
        { id: 'text-embedding-004', display_name: 'Text Embedding 004' },
      ],
      cursor: 'tok/2=',
    },
  },
  {
    type: 'cohere',
    baseUrl: 'https://api.cohere.com',
    first: 'https://api.cohere.com/v1/models?page_size=1000',
    next: ['abc', 'https://api.cohere.com/v1/models?page_size=1000&page_token=abc'],
    keyHeader: ['authorization', `Bearer ${KEY}`],
    answer: {
      models: [
        { name: 'command-r-plus-08-2024', endpoints: ['generate', 'chat', 'summarize'], finetuned: false, context_length: 128000 },
        { name: 'embed-english-v3.0', endpoints: ['embed'], finetuned: false, context_length: 512 },
      ],
    },
    page: { models: [{ id: 'command-r-plus-08-2024' }, { id: 'embed-english-v3.0' }] },
  },
];

describe('model catalogs (each dialect lists the upstream own models)', () => {
  it.each(cases)('$type: asks for the first page with the key in its header', ({ type, baseUrl, first, keyHeader }) => {
    const req = providerFor(type).models.request({ profile: profile(type, baseUrl), key: KEY });
    expect(req.method).toBe('GET');
    expect(req.url).toBe(first);
    expect(req.headers[keyHeader[0]]).toBe(keyHeader[1]);
    expect(req.url).not.toContain(KEY);
  });

  it.each(cases.filter((c) => c.next))('$type: asks for the next page by the cursor', ({ type, baseUrl, next }) => {
    expect(providerFor(type).models.request({ profile: profile(type, baseUrl), key: KEY }, next![0]).url).toBe(next![1]);
  });

  it.each(cases)('$type: reads a page of its answer', ({ type, answer, page }) => {
    expect(providerFor(type).models.page(answer)).toEqual(page);
  });

  it.each(cases)('$type: reads an answer of another shape as no models', ({ type }) => {
    for (const body of [null, 'text', { error: { message: 'no' } }, { data: [{ id: 42 }], models: [{ name: null }] }])
      expect(providerFor(type).models.page(body)).toEqual({ models: [] });
  });

  it('mock: lists its models through its own transport', async () => {
    const mock = providerFor('mock') as ReturnType<typeof providerFor> & {
      transport: { send: (...a: unknown[]) => Promise<{ body: { text(): Promise<string> } }> };
    };
    const res = await mock.transport.send(mock.models.request({ profile: profile('mock', 'mock://local'), key: 'mock' }), {
      connectTimeoutMs: 1000,
      timeoutMs: 1000,
    });
    const page = mock.models.page(JSON.parse(await res.body.text()));
    expect(page.models.length).toBeGreaterThan(0);
    expect(page.cursor).toBeUndefined();
  });
});
