import type { ProviderProfile } from '@switchboard/config';
import { UpstreamNetworkError, errorBodyValue, type Provider, type Transport } from '@switchboard/providers';
import type { ProbeResult } from '../gateway/core/commands';
import { probeResult } from './keeper.logic';

export interface ProbeDeps {
  provider: Provider;
  transport: Transport;
  rateLimitCooldownMs: number;
}

/** One probe: the provider's cheapest authenticated call with this key, classified. Never throws. */
export async function probeKey(profile: ProviderProfile, secret: string, deps: ProbeDeps): Promise<ProbeResult> {
  const started = performance.now();
  try {
    const req = deps.provider.probe({ profile, key: secret });
    const res = await deps.transport.send(req, { connectTimeoutMs: profile.connectTimeoutMs, timeoutMs: profile.timeoutMs });
    const text = await res.body.text();
    const latencyMs = Math.round(performance.now() - started);
    const outcome = deps.provider.classify(res.status, res.headers, errorBodyValue(text), Date.now());
    return probeResult(outcome, latencyMs, deps.rateLimitCooldownMs);
  } catch (err) {
    if (err instanceof UpstreamNetworkError) return { kind: 'error', reason: err.kind };
    // Whatever else went wrong, its message could quote a request: keep only the error's name.
    return { kind: 'error', reason: `probe_error:${(err as Error)?.name ?? 'unknown'}` };
  }
}
