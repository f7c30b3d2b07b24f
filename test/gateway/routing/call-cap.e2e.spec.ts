import { reply, startScriptedUpstream, type ScriptedUpstream } from '../../support/scripted-upstream';
import type { StartedGateway } from '../../support/start-gateway';
import { chat, gatewayFor } from './routing-helpers';

const KEYS = Array.from({ length: 30 }, (_, i) => `sk-call-cap-${String(i).padStart(20, '0')}`);

describe('a cap on upstream calls per request', () => {
  let upstream: ScriptedUpstream;
  let gw: StartedGateway;

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    upstream.fallback(reply.serverError(500));
    gw = await gatewayFor(upstream, { openai_main: KEYS }, { routing: { max_upstream_calls: 6, circuit: { failure_threshold: 100 } } });
  });
  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
  });

  it('stops a request on a profile of 30 failing keys after 6 calls, and its 503 says how many were made and skipped', async () => {
    const answer = await chat(gw);

    expect(upstream.requests).toHaveLength(6);
    expect(answer.status).toBe(503);
    expect(answer.headers.get('x-switchboard-attempts')).toBe('6');
    expect(answer.json.error).toMatchObject({ code: 'chain_exhausted', upstream_calls: 6, keys_skipped: 24 });
    expect(answer.json.error.message).toContain('6 upstream calls (the limit of 6 per request)');
    expect(answer.json.error.message).toContain('24 keys not called');
  });
});
