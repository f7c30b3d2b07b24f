import { fullJitterDelay, sleep } from './backoff';
import { attemptKeys } from './key-attempt';
import { openTrial } from './outcome-consequences';
import { startPass, type RequestContext } from './request-context';
import type { Fallthrough, RouteResult } from './route-result';
import type { RouteAlias, RouteTarget } from './route-table';
import type { RoutingDeps } from './routing-deps';

/**
 * The request path, top to bottom (each file calls only the ones below it):
 *
 *   front end (`v1/`: chat, completions, embeddings): validate, resolve the alias, `openRequest`
 *   route-request.ts        walks the alias's chain, pass after pass            <- you are here
 *   key-attempt.ts          one profile, key by key: translate, call, judge
 *   upstream-answer.ts      reads a 2xx answer (whole body, or a stream's opening)
 *   outcome-consequences.ts what an outcome changes: attempts, circuits, commands
 *   front end               writes the `RouteResult` in its own format
 *   stream-relay.ts         pipes a committed stream to the client
 *   finish-request.ts       the finished-request record, to every `RequestObserver`
 *
 * Failover is immediate, profile by profile and key by key, and the first upstream that serves
 * answers. State changes only on failure, through the rare command. A pass that found only
 * transient failures is repeated when something in the chain comes back within
 * `retries.maxDelayMs`: after that comeback plus a full-jitter backoff, at most
 * `retries.maxAttempts` passes and never past `requestDeadlineMs`.
 */
export async function routeRequest(request: RequestContext): Promise<RouteResult> {
  const { alias, deps, signal } = request;
  const { retries } = deps.routing;
  for (let round = 1; ; round++) {
    for (const target of alias.chain) {
      const next = await serveFromProfile(request, target);
      if (typeof next === 'object') return next;
      if (signal.aborted) return { kind: 'aborted', attempts: request.attempts };
    }
    const now = deps.now();
    const comeback = earliestComeback(alias, deps, now);
    const capped = request.attempts.length >= deps.routing.maxUpstreamCalls;
    if (!request.transient || capped || round >= retries.maxAttempts || now >= request.deadline) {
      return chainExhausted(request, comeback, now);
    }
    const untilComeback = comeback === undefined ? 0 : comeback - now;
    if (untilComeback > retries.maxDelayMs) return chainExhausted(request, comeback, now);
    // Jitter past the comeback, not instead of it: the requests waiting on one key's deadline wake
    // one by one, the first is the key's trial, and the rest find it on trial or back in rotation.
    const wait = untilComeback + fullJitterDelay(round, retries.baseDelayMs, retries.maxDelayMs, deps.random);
    if (now + wait >= request.deadline) return chainExhausted(request, comeback, now);
    await sleep(wait, signal);
    if (signal.aborted) return { kind: 'aborted', attempts: request.attempts };
    startPass(request);
  }
}

/** One link of the chain: skipped when it cannot serve the operation or its circuit says no. */
async function serveFromProfile(request: RequestContext, target: RouteTarget): Promise<RouteResult | Fallthrough> {
  const { deps } = request;
  const name = target.name;
  if (!target.provider.operations.has(request.op)) {
    request.skipped.push({
      profile: name,
      reason: 'unsupported',
      param: null,
      message: `${target.profile.type} providers cannot serve ${request.op}`,
    });
    return 'next_profile';
  }
  const admission = deps.circuits.admit(name, deps.health.get(name), deps.now());
  if (!admission.pass) {
    request.skipped.push({ profile: name, reason: admission.reason });
    if (admission.reason !== 'disabled') request.transient = true;
    return 'next_profile';
  }
  request.trial = admission.trial;
  if (!admission.trial) return attemptKeys(request, target);
  try {
    if (admission.halfOpenFirst) await openTrial(request, name);
    return await attemptKeys(request, target);
  } finally {
    deps.circuits.release(name);
  }
}

/** When the first key or circuit of the chain comes back (epoch ms), if any is cooling down. */
function earliestComeback(alias: RouteAlias, deps: RoutingDeps, now: number): number | undefined {
  let earliest = deps.keys.earliestAvailableAt(alias.profiles, now);
  for (const name of alias.profiles) {
    const view = deps.health.get(name);
    if (view?.circuit !== 'open' || !view.enabled || view.until === undefined) continue;
    const until = Date.parse(view.until);
    if (until > now && (earliest === undefined || until < earliest)) earliest = until;
  }
  return earliest;
}

/** No profile served: a 400 when every one refused what the request asks, else a 503 listing every attempt. */
function chainExhausted(request: RequestContext, comeback: number | undefined, now: number): RouteResult {
  const { attempts, skipped } = request;
  const unsupported = skipped.filter((s) => s.reason === 'unsupported');
  if (attempts.length === 0 && unsupported.length > 0 && unsupported.length === request.alias.chain.length) {
    const first = unsupported[0];
    return {
      kind: 'unsupported',
      param: first.param ?? null,
      message: unsupported.map((s) => `${s.message} (profile ${s.profile})`).join('; '),
      attempts,
      skipped,
    };
  }
  const { maxUpstreamCalls } = request.deps.routing;
  return {
    kind: 'exhausted',
    attempts,
    skipped,
    keysSkipped: keysNotCalled(request),
    ...(attempts.length >= maxUpstreamCalls ? { callCap: maxUpstreamCalls } : {}),
    // A comeback of now is a key whose cooldown ended and whose one trial is out: worth a retry soon.
    ...(comeback !== undefined ? { retryAfterMs: Math.max(1, comeback - now) } : {}),
  };
}

/** How many keys of the chain's profiles the request never called (the 503 says so). */
function keysNotCalled(request: RequestContext): number {
  const called = new Set(request.attempts.map((a) => a.key));
  let notCalled = 0;
  for (const profile of request.alias.profiles) {
    for (const fingerprint of request.deps.secrets.fingerprints(profile)) if (!called.has(fingerprint)) notCalled++;
  }
  return notCalled;
}
