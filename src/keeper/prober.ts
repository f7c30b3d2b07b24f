import type { ProviderProfile } from '@switchboard/config';
import { UpstreamNetworkError, errorBodyValue, type Provider, type Transport } from '@switchboard/providers';
import { activeTraceparent, inSpan, SpanKind, SpanStatusCode, type Attributes } from '@switchboard/telemetry';
import type { ProbeResult } from '../gateway/core/commands';
import { genAiSystem } from '../gateway/tracing/request-spans';
import { probeResult } from './keeper.logic';

export interface ProbeDeps {
  provider: Provider;
  transport: Transport;
  rateLimitCooldownMs: number;
}

/**
 * One probe, traced as the gateway's upstream attempts are (when tracing is on): a client span
 * `probe <profile>` with `gen_ai.system`, the key's fingerprint (never the key) and the outcome,
 * whose id the upstream gets in `traceparent`. Never throws.
 */
export function tracedProbe(profile: ProviderProfile, key: { fingerprint: string; secret: string }, deps: ProbeDeps): Promise<ProbeResult> {
  const attributes: Attributes = {
    'gen_ai.system': genAiSystem(profile.type),
    'switchboard.provider.profile': profile.name,
    'switchboard.key.fingerprint': key.fingerprint,
  };
  return inSpan(`probe ${profile.name}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
    const result = await probeKey(profile, key.secret, deps, span && activeTraceparent());
    if (!span) return result;
    span.setAttribute('switchboard.attempt.outcome', result.kind);
    if (result.kind === 'ok') return result;
    span.setAttribute('switchboard.attempt.reason', result.reason);
    if (result.status) span.setAttribute('http.response.status_code', result.status);
    span.setStatus({ code: SpanStatusCode.ERROR, message: result.reason });
    return result;
  });
}

/**
 * One probe: the provider's cheapest authenticated call with this key, classified. Never throws.
 * `traceparent`: the span the call is, sent on to the upstream.
 */
export async function probeKey(profile: ProviderProfile, secret: string, deps: ProbeDeps, traceparent?: string): Promise<ProbeResult> {
  const started = performance.now();
  try {
    const probe = deps.provider.probe({ profile, key: secret });
    const req = traceparent ? { ...probe, headers: { ...probe.headers, traceparent } } : probe;
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
