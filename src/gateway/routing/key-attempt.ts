import {
  answerOptions,
  errorBodyValue,
  InvalidRequestError,
  UnsupportedFeatureError,
  UpstreamStreamError,
  type CallContext,
  type UpstreamRequest,
  type UpstreamResponse,
} from '@switchboard/providers';
import {
  applyFailure,
  confirmServed,
  endKeyTrial,
  failureOutcome,
  noteAttempt,
  withoutSecrets,
  type Failure,
} from './outcome-consequences';
import { passKey, type RequestContext } from './request-context';
import type { Fallthrough, RouteResult } from './route-result';
import type { RouteTarget } from './route-table';
import { scrubSecrets } from './scrub-secrets';
import { contentTypeOf, describeError, readAnswer } from './upstream-answer';

/**
 * One profile of the chain, key by key: picks the least-recently-used available key, translates
 * the body for the profile's type, calls the upstream and judges the answer. A key that fails is
 * dealt with (`applyFailure`) and the next one tried at once; the profile is done when it has no
 * key left, refuses the request, or its circuit opened. A key picked as its trial after a cooldown
 * is told how the trial ended, however it ended.
 */
export async function attemptKeys(request: RequestContext, target: RouteTarget): Promise<RouteResult | Fallthrough> {
  const { deps } = request;
  // What the client asked of the answer's shape, and its date, for mappers whose upstream never sees the body.
  const options = answerOptions(request.body, deps.now());
  // Keys passed over for a secret this process lacks: the rounds that called no upstream.
  let unknownHere = 0;
  for (let called = 0; ; called++) {
    const now = deps.now();
    if (now >= request.deadline) return 'next_profile';
    // However many keys the chain holds, one request makes at most this many calls.
    if (request.attempts.length >= deps.routing.maxUpstreamCalls) return 'next_profile';
    const key = deps.keys.pick(target.name, now, request.passedKeys);
    if (!key) {
      // No upstream called: the 503 says why (keys other processes hold the secrets of, or none available).
      if (called === unknownHere)
        request.skipped.push({ profile: target.name, reason: unknownHere > 0 ? 'key_secret_unknown' : 'no_available_key' });
      if (called === unknownHere && deps.keys.earliestAvailableAt([target.name], now) !== undefined) request.transient = true;
      return 'next_profile';
    }
    const secret = deps.secrets.secret(key.fingerprint);
    // Registered in the store but unknown to this process (its keys file changed, or a literal key
    // of a config sent to another process, stored masked): not ours to use, never called.
    if (secret === undefined) {
      unknownHere++;
      if (deps.keys.onTrial(key.fingerprint)) deps.keys.endTrial(key.fingerprint, now, false);
      passKey(request, key.fingerprint);
      continue;
    }
    request.key = key.fingerprint;
    request.keyTrial = deps.keys.onTrial(key.fingerprint);
    const call: CallContext = { profile: target.profile, model: target.model, key: secret, stream: request.stream, ...options };
    let upstream: UpstreamRequest;
    try {
      upstream = target.provider.request(request.op, request.body, call);
    } catch (error) {
      // A feature this type lacks: the next profile may have it (a 400 names it when none does).
      endKeyTrial(request, false);
      if (error instanceof UnsupportedFeatureError) {
        passKey(request, key.fingerprint);
        request.skipped.push({ profile: target.name, reason: 'unsupported', param: error.param, message: error.message });
        return 'next_profile';
      }
      return invalidRequest(request, target, error);
    }
    let next: RouteResult | Fallthrough;
    try {
      next = await callKey(request, target, call, upstream);
    } finally {
      // Served and failed trials were judged on the way; anything else (the client's own error, a
      // cancelled request, a throw) says nothing of the key: it stays half-open for the next trial.
      endKeyTrial(request, false);
    }
    if (typeof next === 'object') return next;
    // Only a key the request moves on from is remembered: most requests are served by their first.
    passKey(request, key.fingerprint);
    if (next === 'next_profile') return next;
  }
}

/** One upstream call with the current key: served, the client's own error, or a failure dealt with. */
async function callKey(
  request: RequestContext,
  target: RouteTarget,
  call: CallContext,
  upstream: UpstreamRequest,
): Promise<RouteResult | Fallthrough> {
  const { deps, signal } = request;
  const started = deps.now();
  request.callStartedAt = performance.now();
  // Traced: the upstream continues the trace under this call's span.
  if (request.trace !== undefined) upstream = request.trace.callStarted(upstream, target.profile.type);
  let res: UpstreamResponse | undefined;
  let outcome: Failure;
  try {
    res = await target.transport.send(upstream, {
      signal,
      connectTimeoutMs: target.profile.connectTimeoutMs,
      timeoutMs: Math.min(target.profile.timeoutMs, request.deadline - started),
    });
    if (res.status >= 200 && res.status < 300) {
      return await confirmServed(request, await readAnswer(request, target, call, res));
    }
    const text = await res.body.text();
    const classified = target.provider.classify(res.status, res.headers, errorBodyValue(text), deps.now());
    outcome = withoutSecrets(
      request,
      target,
      classified.kind === 'ok' ? { kind: 'quarantine', status: res.status, reason: 'upstream_error', rateLimited: false } : classified,
    );
    if (outcome.kind === 'client_error') {
      noteAttempt(request, target, res.status, outcome.kind, outcome.reason);
      return clientError(request, target, res.status, contentTypeOf(res.headers), text);
    }
  } catch (error) {
    if (signal.aborted) return { kind: 'aborted', attempts: request.attempts };
    outcome = withoutSecrets(request, target, failureOutcome(deps, target, res, error));
    // An error event before the stream's first chunk that is the client's own (a 400 said as SSE):
    // nothing reached the client yet, so it gets the error as the HTTP answer it stands for.
    if (outcome.kind === 'client_error') {
      noteAttempt(request, target, outcome.status, outcome.kind, outcome.reason);
      const body = error instanceof UpstreamStreamError ? error.body : { error: { message: outcome.reason } };
      return clientError(request, target, outcome.status, 'application/json', JSON.stringify(body));
    }
  }
  noteAttempt(request, target, outcome.status || null, outcome.kind, outcome.reason);
  return applyFailure(request, target, outcome);
}

/**
 * The body passed validation but the mapper refused it as malformed (`InvalidRequestError`), or
 * failed on it: the client's error whichever profile serves, so a 400 naming the field when the
 * mapper names one, and no other profile is tried. Never a 500: nothing the client sends may crash
 * the request path. A mapper that fails rather than refusing is logged, since it wants a fix.
 */
function invalidRequest(request: RequestContext, target: RouteTarget, error: unknown): RouteResult {
  const refused = error instanceof InvalidRequestError;
  if (!refused) request.deps.warn(`${target.name}: the ${target.profile.type} mapper failed on a validated body: ${describeError(error)}`);
  return {
    kind: 'unsupported',
    code: 'invalid_request',
    param: refused ? error.param : null,
    message: refused
      ? error.message
      : // The exception's own text stays in the log: it is the gateway's inside, not the client's business.
        `The request body cannot be translated for ${target.profile.type} providers.`,
    attempts: request.attempts,
    skipped: request.skipped,
  };
}

function clientError(
  request: RequestContext,
  target: RouteTarget,
  status: number,
  contentType: string | undefined,
  body: string,
): RouteResult {
  const { attempts, key: fingerprint } = request;
  // The upstream's own error goes back to the client, minus any key it echoes.
  const scrubbed = scrubSecrets(body, request.deps.secrets, target.name, fingerprint);
  return { kind: 'client_error', target, fingerprint, status, body: scrubbed, attempts, ...(contentType ? { contentType } : {}) };
}
