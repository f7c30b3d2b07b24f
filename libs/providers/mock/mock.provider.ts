import { UnsupportedFeatureError, type CallContext, type InProcessProvider, type Operation, type UpstreamRequest } from '../provider';
import { passthroughBody } from '../openai/chat.request';
import { passthroughStream, type PassthroughState } from '../openai/chat.stream';
import { classifyHttp, openAiModelCatalog } from '../shared';
import { MockTransport } from './mock.transport';

/**
 * A mock profile needs no key: the gateway gives it this one implicitly, so the key pool,
 * rotation and events work the same as for a real provider.
 */
export const MOCK_KEY = 'mock';

const PATHS: Record<Exclude<Operation, 'count_tokens'>, string> = {
  chat: '/chat/completions',
  completions: '/completions',
  embeddings: '/embeddings',
  models: '/models',
};

const DEFAULT_MOCK_BASE_URL = 'mock://local';

function url(ctx: Pick<CallContext, 'profile'>, op: Exclude<Operation, 'count_tokens'>): string {
  return `${ctx.profile.baseUrl || DEFAULT_MOCK_BASE_URL}${PATHS[op]}`;
}

function request(op: Operation, body: Record<string, unknown>, ctx: CallContext): UpstreamRequest {
  if (op === 'models') return probe(ctx);
  if (op === 'count_tokens') throw new UnsupportedFeatureError('count_tokens', 'mock', 'token counting is an Anthropic endpoint');
  return {
    method: 'POST',
    url: url(ctx, op),
    headers: { authorization: `Bearer ${ctx.key}`, 'content-type': 'application/json' },
    body: passthroughBody(body, ctx.model),
  };
}

function probe(ctx: Pick<CallContext, 'profile' | 'key'>): UpstreamRequest {
  return { method: 'GET', url: url(ctx, 'models'), headers: { authorization: `Bearer ${ctx.key}` } };
}

/** Builds a mock provider; the shared instance below streams without delay. */
export function createMockProvider(transport = new MockTransport()): InProcessProvider<PassthroughState> {
  return {
    type: 'mock',
    defaultBaseUrl: 'mock://local',
    operations: new Set<Operation>(['chat', 'completions', 'embeddings', 'models']),
    request,
    stream: passthroughStream,
    classify: (status, headers, body, nowMs) => classifyHttp(status, headers, body, nowMs),
    probe,
    models: openAiModelCatalog(probe),
    transport,
  };
}

/** Deterministic and offline: the shipped config's `mock` profile and every demo use it. */
export const mockProvider = createMockProvider();
