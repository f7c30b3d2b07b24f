import type { RequestRecord } from '../request-record';

/** A finished stream that failed over once, as the observers' specs read it; `over` changes what a case needs. */
export function finishedRecord(over: Partial<RequestRecord> = {}): RequestRecord {
  return {
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
  };
}

/** A request refused before routing (no alias resolved, no client named): every routing field null. */
export function refusedBeforeRouting(over: Partial<RequestRecord> = {}): RequestRecord {
  return finishedRecord({
    alias: null,
    profile: null,
    model: null,
    key: null,
    client: null,
    status: 404,
    attempts: [],
    firstTokenMs: null,
    usage: null,
    ...over,
  });
}
