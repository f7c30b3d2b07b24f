import { classifyHttp, errorMessage, redactSecrets } from './classify';
import { chunk, usageChunk, usage } from './chunks';
import { retryAfterMs } from './retry-after';
import { answerOptions } from './answer-options';
import { decodeEmbedding, embeddingList, encodeEmbedding } from './embeddings';

const now = Date.parse('2025-01-01T00:00:00Z');

describe('retryAfterMs', () => {
  it('reads delta-seconds', () => {
    expect(retryAfterMs({ 'retry-after': '20' }, now)).toBe(20_000);
  });

  it('reads an HTTP date relative to the clock reading', () => {
    expect(retryAfterMs({ 'Retry-After': 'Wed, 01 Jan 2025 00:01:30 GMT' }, now)).toBe(90_000);
  });

  it('treats a date in the past as no wait', () => {
    expect(retryAfterMs({ 'retry-after': 'Tue, 31 Dec 2024 23:00:00 GMT' }, now)).toBe(0);
  });

  it('prefers retry-after-ms', () => {
    expect(retryAfterMs({ 'retry-after-ms': '1500', 'retry-after': '20' }, now)).toBe(1500);
  });

  it('ignores garbage and absence', () => {
    expect(retryAfterMs({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(retryAfterMs({}, now)).toBeUndefined();
  });

  it('takes the first value of a repeated header', () => {
    expect(retryAfterMs({ 'retry-after': ['3', '9'] }, now)).toBe(3000);
  });
});

describe('classifyHttp', () => {
  it('is ok for every 2xx', () => {
    expect(classifyHttp(200, {}, {}, now)).toEqual({ kind: 'ok' });
    expect(classifyHttp(204, {}, '', now)).toEqual({ kind: 'ok' });
  });

  it.each([401, 403])('retires the key on %i', (status) => {
    expect(classifyHttp(status, {}, {}, now)).toMatchObject({ kind: 'retire', status });
  });

  it('retires on a 400 whose body says the key is invalid', () => {
    const body = { error: { message: 'API key not valid. Please pass a valid API key.', status: 'INVALID_ARGUMENT' } };
    expect(classifyHttp(400, {}, body, now)).toEqual({ kind: 'retire', status: 400, reason: 'invalid_api_key' });
  });

  it('quarantines a 429 rate-limited with the upstream deadline', () => {
    expect(classifyHttp(429, { 'retry-after': '7' }, {}, now)).toEqual({
      kind: 'quarantine',
      status: 429,
      reason: 'rate_limited',
      rateLimited: true,
      retryAfterMs: 7000,
    });
  });

  it('leaves the deadline to the configured default when the 429 has no hint', () => {
    expect(classifyHttp(429, {}, {}, now)).not.toHaveProperty('retryAfterMs');
  });

  it('uses a body hint when the headers have none', () => {
    const outcome = classifyHttp(429, {}, {}, now, { retryAfterFromBody: () => 12_000 });
    expect(outcome).toMatchObject({ retryAfterMs: 12_000 });
  });

  it.each([500, 502, 503, 529])('quarantines %i short and not rate-limited', (status) => {
    expect(classifyHttp(status, { 'retry-after': '30' }, {}, now)).toEqual({
      kind: 'quarantine',
      status,
      reason: 'upstream_error',
      rateLimited: false,
    });
  });

  it('quarantines a 408 as a timeout', () => {
    expect(classifyHttp(408, {}, '', now)).toMatchObject({ kind: 'quarantine', reason: 'timeout', rateLimited: false });
  });

  it.each([400, 404, 413, 422, 409])('returns %i to the client with the upstream message', (status) => {
    const body = { error: { message: 'max_tokens is too large', type: 'invalid_request_error' } };
    expect(classifyHttp(status, {}, body, now)).toEqual({ kind: 'client_error', status, reason: 'max_tokens is too large' });
  });

  it('lets a provider hint decide what an invalid key looks like', () => {
    const outcome = classifyHttp(400, {}, { code: 'BAD_KEY' }, now, { keyRejected: (_s, b) => (b as { code: string }).code === 'BAD_KEY' });
    expect(outcome.kind).toBe('retire');
  });
});

describe('errorMessage and redactSecrets', () => {
  it('reads the usual error shapes', () => {
    expect(errorMessage({ error: { message: 'a' } })).toBe('a');
    expect(errorMessage({ error: 'b' })).toBe('b');
    expect(errorMessage({ message: 'c' })).toBe('c');
    expect(errorMessage([{ error: { message: 'd' } }])).toBe('d');
    expect(errorMessage(' e ')).toBe('e');
    expect(errorMessage(42)).toBeUndefined();
  });

  it('masks anything that looks like a key', () => {
    const text = redactSecrets('Incorrect API key provided: sk-proj-abc123***************xyz9. You can find yours at ...');
    expect(text).not.toContain('sk-proj');
    expect(text).toContain('Incorrect API key provided');
  });
});

describe('chunk builders', () => {
  const ctx = { id: 'chatcmpl-1', created: 1700000000, model: 'm' };

  it('builds a one-choice chunk', () => {
    expect(chunk(ctx, { content: 'hi' })).toEqual({
      id: 'chatcmpl-1',
      object: 'chat.completion.chunk',
      created: 1700000000,
      model: 'm',
      choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: null }],
    });
    expect(chunk(ctx, {}, 'stop').choices[0].finish_reason).toBe('stop');
  });

  it('builds the usage-only chunk', () => {
    expect(usageChunk(ctx, usage(3, 4))).toMatchObject({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } });
  });
});

describe('embedding encoding', () => {
  it('writes base64 as OpenAI does: float32, little-endian', () => {
    // 1.0f is 00 00 80 3f little-endian; -2.0f is 00 00 00 c0.
    expect(encodeEmbedding([1, -2], 'base64')).toBe(Buffer.from([0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0]).toString('base64'));
  });

  it('leaves floats as floats unless base64 is asked for', () => {
    expect(encodeEmbedding([0.5, 0.25], undefined)).toEqual([0.5, 0.25]);
    expect(encodeEmbedding([0.5, 0.25], 'float')).toEqual([0.5, 0.25]);
  });

  it('round-trips within float32 precision', () => {
    const vector = [0.01586914, -0.008216858, 0.1, 1e-7];
    decodeEmbedding(encodeEmbedding(vector, 'base64')).forEach((v, i) => expect(v).toBeCloseTo(vector[i], 6));
  });

  it('builds the list in input order with the billed tokens', () => {
    expect(embeddingList([[1], [2]], { model: 'e', promptTokens: 3 })).toEqual({
      object: 'list',
      data: [
        { object: 'embedding', index: 0, embedding: [1] },
        { object: 'embedding', index: 1, embedding: [2] },
      ],
      model: 'e',
      usage: { prompt_tokens: 3, total_tokens: 3 },
    });
  });
});

describe('answerOptions', () => {
  it('reads encoding_format and stream_options.include_usage, and dates the answer from the clock reading', () => {
    expect(answerOptions({ encoding_format: 'base64', stream_options: { include_usage: true } }, 1_700_000_000_900)).toEqual({
      encodingFormat: 'base64',
      includeUsage: true,
      created: 1_700_000_000,
    });
  });

  it('says nothing about what the client did not ask', () => {
    expect(answerOptions({ stream_options: { include_usage: false }, encoding_format: 'int8' })).toEqual({});
  });
});
