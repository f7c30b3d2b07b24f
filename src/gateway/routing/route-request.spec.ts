import type { ProviderProfile, RoutingConfig } from '@switchboard/config';
import { InvalidRequestError, UnsupportedFeatureError, openAiProvider, type Provider, type Transport } from '@switchboard/providers';
import { CircuitBreakers } from './circuit-breakers';
import { openRequest } from './request-context';
import { routeRequest } from './route-request';
import type { RouteAlias, RouteTarget } from './route-table';
import type { RoutingDeps } from './routing-deps';

const routing: RoutingConfig = {
  rateLimitCooldownMs: 60_000,
  errorCooldownMs: 5_000,
  circuit: { failureThreshold: 5, cooldownMs: 30_000 },
  retries: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
  requestDeadlineMs: 60_000,
  maxUpstreamCalls: 10,
};

/** A transport that must never be reached: these requests are refused before any upstream call. */
const unreachable: Transport = {
  send: () => Promise.reject(new Error('no upstream call was expected')),
};

/** A profile whose mapper does `translate` with the body instead of building a request. */
function profile(name: string, translate: () => never): RouteTarget {
  const provider: Provider = { ...(openAiProvider as Provider), type: 'anthropic', request: translate };
  const info: ProviderProfile = {
    name,
    type: 'anthropic',
    baseUrl: 'http://upstream',
    keys: ['sk'],
    timeoutMs: 1_000,
    connectTimeoutMs: 1_000,
  };
  return { name, profile: info, model: `${name}-model`, provider, transport: unreachable, passthrough: false };
}

function given(...chain: RouteTarget[]) {
  const warnings: string[] = [];
  const deps: RoutingDeps = {
    keys: {
      pick: (provider) => ({ fingerprint: `fp-${provider}`, provider, state: 'available', updatedAt: '' }),
      earliestAvailableAt: () => undefined,
      coolDown: () => undefined,
      onTrial: () => false,
      endTrial: () => undefined,
    },
    health: { get: () => undefined },
    secrets: { secret: () => 'sk-secret', fingerprints: () => [] },
    commands: { execute: () => Promise.reject(new Error('no command was expected')) },
    circuits: new CircuitBreakers(5),
    routing,
    observers: [],
    now: () => 1_000,
    random: () => 0,
    warn: (message) => void warnings.push(message),
  };
  const alias: RouteAlias = { name: 'main', chain, profiles: chain.map((t) => t.name) };
  return {
    route: (body: Record<string, unknown> = { model: 'main', messages: [] }) =>
      routeRequest(openRequest('chat', body, alias, deps, new AbortController().signal, false)),
    warnings,
  };
}

const typeError = (): never => {
  throw new TypeError("Cannot read properties of undefined (reading 'name')");
};
const invalid = (): never => {
  throw new InvalidRequestError('messages[0].tool_calls[0].id', 'required');
};
const unsupported = (): never => {
  throw new UnsupportedFeatureError('logprobs', 'anthropic');
};

describe('routeRequest, when a mapper cannot translate a validated body', () => {
  it('answers a 400 naming the field for InvalidRequestError, and tries no other profile', async () => {
    const { route } = given(profile('p1', invalid), profile('p2', typeError));
    await expect(route()).resolves.toMatchObject({
      kind: 'unsupported',
      code: 'invalid_request',
      param: 'messages[0].tool_calls[0].id',
      attempts: [],
    });
  });

  it('answers a 400 (never a crash) when the mapper fails with a TypeError, and logs it for a fix without the secret', async () => {
    const { route, warnings } = given(profile('p1', typeError));
    const result = await route();
    expect(result).toMatchObject({ kind: 'unsupported', code: 'invalid_request', param: null, attempts: [] });
    // The exception's text is the gateway's inside: the log has it, the client does not.
    expect((result as { message: string }).message).not.toContain('TypeError');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('TypeError');
    expect(warnings[0]).toContain('p1');
    expect(warnings[0]).not.toContain('sk-secret');
  });

  it('skips a profile lacking a feature (UnsupportedFeatureError) and answers 400 unsupported_parameter when none has it', async () => {
    const { route } = given(profile('p1', unsupported), profile('p2', unsupported));
    const result = await route();
    expect(result).toMatchObject({ kind: 'unsupported', param: 'logprobs' });
    expect((result as { code?: string }).code).toBeUndefined();
    expect((result as { skipped: unknown[] }).skipped).toHaveLength(2);
  });

  it('lets the next profile refuse as malformed after one that lacks a feature', async () => {
    const { route } = given(profile('p1', unsupported), profile('p2', invalid));
    await expect(route()).resolves.toMatchObject({ kind: 'unsupported', code: 'invalid_request', skipped: [{ profile: 'p1' }] });
  });
});
