import type { RequestRecord } from '../routing/request-record';
import { requestCompletedJson, requestCompletedMessage } from './request-message';

/** The message written by hand is the one `JSON.stringify` wrote of the message object: consumers see no change. */
describe('the requests.completed message', () => {
  const prices = { 'gpt-4o': { inputPerMtok: 2.5, outputPerMtok: 10 } };
  const record = (over: Partial<RequestRecord> = {}): RequestRecord => ({
    requestId: 'req-1',
    client: 'ci',
    endpoint: '/v1/chat/completions',
    alias: 'main-gpt',
    stream: true,
    profile: 'openai_main',
    model: 'gpt-4o',
    key: '0123456789abcdef',
    status: 200,
    attempts: [
      {
        profile: 'openai_main',
        model: 'gpt-4o',
        key: 'fedcba9876543210',
        status: 429,
        outcome: 'quarantine',
        reason: 'rate_limited',
        ms: 12.345,
      },
      { profile: 'openai_main', model: 'gpt-4o', key: '0123456789abcdef', status: null, outcome: 'ok', reason: 'ok', ms: 3.21 },
    ],
    latencyMs: 20.06,
    firstTokenMs: 8.04,
    usage: { prompt_tokens: 12, completion_tokens: 40, total_tokens: 52 },
    responseModel: 'gpt-4o-2024-08-06',
    trace: null,
    ...over,
  });

  it.each([
    ['a served stream after a failed attempt', record()],
    [
      'a refusal before routing',
      record({
        alias: null,
        profile: null,
        model: null,
        key: null,
        client: null,
        status: 404,
        attempts: [],
        firstTokenMs: null,
        usage: null,
      }),
    ],
    ['a model without a price', record({ model: 'unpriced', stream: false, firstTokenMs: null })],
    ['names and ids that need escaping', record({ requestId: 'a "quoted" id\\ with\nnewline', client: 'caf\u00e9 \u2028 client' })],
  ])('is what JSON.stringify wrote for %s', (_what, r) => {
    expect(requestCompletedJson(r, prices, 1765000000123)).toBe(JSON.stringify(requestCompletedMessage(r, prices, 1765000000123)));
  });
});
