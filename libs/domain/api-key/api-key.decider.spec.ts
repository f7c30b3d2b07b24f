import { KeyNotRegisteredError, KeyRemovedError } from '../errors';
import { given } from '../testing/given';
import type { ApiKeyCommand, ProbeResult } from './api-key.commands';
import { apiKeyDecider } from './api-key.decider';
import type { ApiKeyEvent, QuarantineReason } from './api-key.events';

const fp = 'a1b2c3d4e5f60718';
const now = '2025-01-01T12:00:00.000Z';
const inOneMinute = '2025-01-01T12:01:00.000Z';
const inFiveSeconds = '2025-01-01T12:00:05.000Z';
const fiveSecondsAgo = '2025-01-01T11:59:55.000Z';
const inTenMinutes = '2025-01-01T12:10:00.000Z';

const registered = (provider = 'openai_main'): ApiKeyEvent => ({
  type: 'KeyRegistered',
  data: { fingerprint: fp, provider },
});
const quarantined = (reason: QuarantineReason, until: string, status?: number): ApiKeyEvent => ({
  type: 'KeyQuarantined',
  data: status === undefined ? { fingerprint: fp, reason, until } : { fingerprint: fp, reason, until, status },
});
const restored = (reason: 'deadline_passed' | 'trial_succeeded' | 'probe_succeeded' | 'admin'): ApiKeyEvent => ({
  type: 'KeyRestored',
  data: { fingerprint: fp, reason },
});
const retired = (reason = 'invalid api key', status = 401): ApiKeyEvent => ({
  type: 'KeyRetired',
  data: { fingerprint: fp, reason, status },
});
const removed = (): ApiKeyEvent => ({ type: 'KeyRemoved', data: { fingerprint: fp } });
const probeSucceeded = (latencyMs = 120): ApiKeyEvent => ({
  type: 'ProbeSucceeded',
  data: { fingerprint: fp, latencyMs },
});
const probeFailed = (reason: string, status: number): ApiKeyEvent => ({
  type: 'ProbeFailed',
  data: { fingerprint: fp, reason, status },
});

const registerKey = (provider = 'openai_main'): ApiKeyCommand => ({
  type: 'RegisterKey',
  data: { fingerprint: fp, provider, now },
});
const quarantineKey = (reason: QuarantineReason, until: string, status?: number, at = now): ApiKeyCommand => ({
  type: 'QuarantineKey',
  data: { fingerprint: fp, reason, until, status, now: at },
});
const restoreKey = (reason: 'deadline_passed' | 'trial_succeeded' | 'admin', at = now): ApiKeyCommand => ({
  type: 'RestoreKey',
  data: { fingerprint: fp, reason, now: at },
});
const retireKey = (reason = 'invalid api key', status = 401): ApiKeyCommand => ({
  type: 'RetireKey',
  data: { fingerprint: fp, reason, status, now },
});
const removeKey = (): ApiKeyCommand => ({ type: 'RemoveKey', data: { fingerprint: fp, now } });
const probe = (result: ProbeResult): ApiKeyCommand => ({ type: 'RecordProbe', data: { fingerprint: fp, result, now } });
const probeOk = (latencyMs = 120): ApiKeyCommand => probe({ kind: 'ok', latencyMs });
const probeRetire = (reason: string, status: number): ApiKeyCommand => probe({ kind: 'retire', reason, status });
const probeRateLimited = (status: number, retryAfterMs: number): ApiKeyCommand =>
  probe({ kind: 'rate_limited', reason: 'rate_limited', status, retryAfterMs });
const probeError = (reason: string, status?: number): ApiKeyCommand => probe({ kind: 'error', reason, status });

describe('api key decider', () => {
  describe('when unknown', () => {
    it('registers the key', () => {
      given(apiKeyDecider).when(registerKey()).then([registered()]);
    });
    it('ignores a quarantine report', () => {
      given(apiKeyDecider)
        .when(quarantineKey('upstream_error', inFiveSeconds, 503))
        .then([]);
    });
    it('ignores a retirement', () => {
      given(apiKeyDecider).when(retireKey()).then([]);
    });
    it('ignores a removal', () => {
      given(apiKeyDecider).when(removeKey()).then([]);
    });
    it('ignores a probe', () => {
      given(apiKeyDecider).when(probeOk()).then([]);
    });
    it('ignores the restore timer', () => {
      given(apiKeyDecider).when(restoreKey('deadline_passed')).then([]);
    });
    it('refuses an admin restore', () => {
      given(apiKeyDecider).when(restoreKey('admin')).thenThrows(KeyNotRegisteredError);
    });
  });

  describe('when available', () => {
    it('does not register it twice', () => {
      given(apiKeyDecider, registered()).when(registerKey()).then([]);
    });
    it('quarantines it on an upstream error', () => {
      given(apiKeyDecider, registered())
        .when(quarantineKey('upstream_error', inFiveSeconds, 503))
        .then([quarantined('upstream_error', inFiveSeconds, 503)]);
    });
    it('quarantines it until the provider says on a 429', () => {
      given(apiKeyDecider, registered())
        .when(quarantineKey('rate_limited', inOneMinute, 429))
        .then([quarantined('rate_limited', inOneMinute, 429)]);
    });
    it('leaves the status out of the event when there was none (timeout)', () => {
      given(apiKeyDecider, registered())
        .when(quarantineKey('timeout', inFiveSeconds))
        .then([{ type: 'KeyQuarantined', data: { fingerprint: fp, reason: 'timeout', until: inFiveSeconds } }]);
    });
    it('retires it', () => {
      given(apiKeyDecider, registered())
        .when(retireKey('invalid api key', 401))
        .then([retired('invalid api key', 401)]);
    });
    it('ignores a restore: there is nothing to end', () => {
      given(apiKeyDecider, registered()).when(restoreKey('admin')).then([]);
    });
    it('appends nothing for a successful probe: an available key that still works is no news', () => {
      given(apiKeyDecider, registered()).when(probeOk(80)).then([]);
    });
    it('records a probe that failed with a 5xx and nothing more', () => {
      given(apiKeyDecider, registered())
        .when(probeError('upstream_error', 502))
        .then([probeFailed('upstream_error', 502)]);
    });
    it('records a probe that failed without an answer (timeout) and nothing more', () => {
      given(apiKeyDecider, registered())
        .when(probeError('timeout'))
        .then([{ type: 'ProbeFailed', data: { fingerprint: fp, reason: 'timeout' } }]);
    });
    it('does not retire it on a 400 the provider calls no fault of the key', () => {
      given(apiKeyDecider, registered())
        .when(probeError('model not found', 400))
        .then([probeFailed('model not found', 400)]);
    });
    it('retires it when a probe answers 401', () => {
      given(apiKeyDecider, registered())
        .when(probeRetire('unauthorized', 401))
        .then([probeFailed('unauthorized', 401), retired('unauthorized', 401)]);
    });
    it('retires it when a probe answers 403', () => {
      given(apiKeyDecider, registered())
        .when(probeRetire('forbidden', 403))
        .then([probeFailed('forbidden', 403), retired('forbidden', 403)]);
    });
    it('retires it when the provider calls a 400 an invalid key (Gemini API_KEY_INVALID)', () => {
      given(apiKeyDecider, registered())
        .when(probeRetire('API_KEY_INVALID', 400))
        .then([probeFailed('API_KEY_INVALID', 400), retired('API_KEY_INVALID', 400)]);
    });
    it('quarantines it for retryAfterMs when a probe answers 429', () => {
      given(apiKeyDecider, registered())
        .when(probeRateLimited(429, 60_000))
        .then([probeFailed('rate_limited', 429), quarantined('rate_limited', inOneMinute, 429)]);
    });
    it('quarantines it when a probe answers 402 (quota spent), as the provider classes it', () => {
      given(apiKeyDecider, registered())
        .when(probeRateLimited(402, 600_000))
        .then([probeFailed('rate_limited', 402), quarantined('rate_limited', inTenMinutes, 402)]);
    });
    it('removes it', () => {
      given(apiKeyDecider, registered()).when(removeKey()).then([removed()]);
    });
  });

  describe('when in an error quarantine', () => {
    const history = [registered(), quarantined('upstream_error', inFiveSeconds, 503)];

    it('ignores the same failure reported again (deciding twice is harmless)', () => {
      given(apiKeyDecider, ...history)
        .when(quarantineKey('upstream_error', inFiveSeconds, 503))
        .then([]);
    });
    it('ignores a 429 whose deadline is not later', () => {
      given(apiKeyDecider, ...history)
        .when(quarantineKey('rate_limited', inFiveSeconds, 429))
        .then([]);
    });
    it('extends it when a 429 gives a later deadline (the provider has the last word)', () => {
      given(apiKeyDecider, ...history)
        .when(quarantineKey('rate_limited', inOneMinute, 429))
        .then([quarantined('rate_limited', inOneMinute, 429)]);
    });
    it('keeps the restore timer waiting before the deadline', () => {
      given(apiKeyDecider, ...history)
        .when(restoreKey('deadline_passed', now))
        .then([]);
    });
    it('restores it once the deadline has passed', () => {
      given(apiKeyDecider, ...history)
        .when(restoreKey('deadline_passed', inFiveSeconds))
        .then([restored('deadline_passed')]);
    });
    it('restores it early on an admin request', () => {
      given(apiKeyDecider, ...history)
        .when(restoreKey('admin'))
        .then([restored('admin')]);
    });
    it('ignores a trial decided before this deadline (another replica quarantined it again)', () => {
      given(apiKeyDecider, ...history)
        .when(restoreKey('trial_succeeded', now))
        .then([]);
    });
    it('restores it early when a probe succeeds', () => {
      given(apiKeyDecider, ...history)
        .when(probeOk())
        .then([probeSucceeded(), restored('probe_succeeded')]);
    });
    it('keeps it quarantined when a probe fails with a 5xx', () => {
      given(apiKeyDecider, ...history)
        .when(probeError('upstream_error', 503))
        .then([probeFailed('upstream_error', 503)]);
    });
    it('turns it into a rate-limited quarantine when a probe answers 429 with a later deadline', () => {
      given(apiKeyDecider, ...history)
        .when(probeRateLimited(429, 60_000))
        .then([probeFailed('rate_limited', 429), quarantined('rate_limited', inOneMinute, 429)]);
    });
    it('retires it when a probe says the key is dead', () => {
      given(apiKeyDecider, ...history)
        .when(probeRetire('unauthorized', 401))
        .then([probeFailed('unauthorized', 401), retired('unauthorized', 401)]);
    });
    it('retires it', () => {
      given(apiKeyDecider, ...history)
        .when(retireKey())
        .then([retired()]);
    });
    it('removes it', () => {
      given(apiKeyDecider, ...history)
        .when(removeKey())
        .then([removed()]);
    });
  });

  describe("when in an error quarantine that outlasts a probe's 429", () => {
    const history = [registered(), quarantined('upstream_error', inTenMinutes, 503)];

    it("keeps the later deadline but makes it the provider's word, so no probe ends it early", () => {
      given(apiKeyDecider, ...history)
        .when(probeRateLimited(429, 60_000))
        .then([probeFailed('rate_limited', 429), quarantined('rate_limited', inTenMinutes, 429)]);
    });
  });

  describe('when in a rate-limited quarantine', () => {
    const history = [registered(), quarantined('rate_limited', inOneMinute, 429)];

    it('ignores another 429 report', () => {
      given(apiKeyDecider, ...history)
        .when(quarantineKey('rate_limited', inTenMinutes, 429))
        .then([]);
    });
    it('ignores an error report', () => {
      given(apiKeyDecider, ...history)
        .when(quarantineKey('upstream_error', inFiveSeconds, 500))
        .then([]);
    });
    it('appends nothing for a successful probe and does not end the quarantine early', () => {
      given(apiKeyDecider, ...history)
        .when(probeOk())
        .then([]);
    });
    it('does not quarantine again when a probe answers 429 within the deadline', () => {
      given(apiKeyDecider, ...history)
        .when(probeRateLimited(429, 30_000))
        .then([probeFailed('rate_limited', 429)]);
    });
    it('extends it when a probe answers 429 with a later deadline', () => {
      given(apiKeyDecider, ...history)
        .when(probeRateLimited(429, 600_000))
        .then([probeFailed('rate_limited', 429), quarantined('rate_limited', inTenMinutes, 429)]);
    });
    it('retires it when a probe says the key is dead', () => {
      given(apiKeyDecider, ...history)
        .when(probeRetire('API_KEY_INVALID', 400))
        .then([probeFailed('API_KEY_INVALID', 400), retired('API_KEY_INVALID', 400)]);
    });
    it('restores it once the deadline has passed', () => {
      given(apiKeyDecider, ...history)
        .when(restoreKey('deadline_passed', inOneMinute))
        .then([restored('deadline_passed')]);
    });
    it('restores it on an admin request', () => {
      given(apiKeyDecider, ...history)
        .when(restoreKey('admin'))
        .then([restored('admin')]);
    });
  });

  describe('when the quarantine deadline has passed but no restore was decided yet', () => {
    const history = [registered(), quarantined('upstream_error', fiveSecondsAgo, 503)];

    it('quarantines it again on the next failure, since the pool hands it out already', () => {
      given(apiKeyDecider, ...history)
        .when(quarantineKey('upstream_error', inFiveSeconds, 503))
        .then([quarantined('upstream_error', inFiveSeconds, 503)]);
    });
    it('restores it on the timer', () => {
      given(apiKeyDecider, ...history)
        .when(restoreKey('deadline_passed'))
        .then([restored('deadline_passed')]);
    });
    it('restores it when its trial call succeeded', () => {
      given(apiKeyDecider, ...history)
        .when(restoreKey('trial_succeeded'))
        .then([restored('trial_succeeded')]);
    });
  });

  describe('when a rate-limited quarantine has passed its deadline (the key is half-open)', () => {
    const history = [registered(), quarantined('rate_limited', fiveSecondsAgo, 429)];

    it('restores it when a probe, its trial, succeeds', () => {
      given(apiKeyDecider, ...history)
        .when(probeOk())
        .then([probeSucceeded(), restored('probe_succeeded')]);
    });
  });

  describe('when a trial succeeded after the timer restored the key', () => {
    it('appends nothing: the key is available already', () => {
      given(apiKeyDecider, registered(), quarantined('rate_limited', fiveSecondsAgo, 429), restored('deadline_passed'))
        .when(restoreKey('trial_succeeded'))
        .then([]);
    });
  });

  describe('when restored', () => {
    it('quarantines it again on a new failure', () => {
      given(apiKeyDecider, registered(), quarantined('timeout', inFiveSeconds), restored('probe_succeeded'))
        .when(quarantineKey('timeout', inOneMinute))
        .then([quarantined('timeout', inOneMinute)]);
    });
  });

  describe('when retired', () => {
    const history = [registered(), retired()];

    it('stays retired on re-registration', () => {
      given(apiKeyDecider, ...history)
        .when(registerKey())
        .then([]);
    });
    it('ignores a quarantine report', () => {
      given(apiKeyDecider, ...history)
        .when(quarantineKey('rate_limited', inOneMinute, 429))
        .then([]);
    });
    it('does not retire it twice', () => {
      given(apiKeyDecider, ...history)
        .when(retireKey())
        .then([]);
    });
    it('ignores probes', () => {
      given(apiKeyDecider, ...history)
        .when(probeOk())
        .then([]);
    });
    it('ignores an admin restore: only quarantines are restored', () => {
      given(apiKeyDecider, ...history)
        .when(restoreKey('admin'))
        .then([]);
    });
    it('removes it', () => {
      given(apiKeyDecider, ...history)
        .when(removeKey())
        .then([removed()]);
    });
  });

  describe('when removed', () => {
    const history = [registered(), removed()];

    it('registers it again', () => {
      given(apiKeyDecider, ...history)
        .when(registerKey('azure_backup'))
        .then([registered('azure_backup')]);
    });
    it('does not remove it twice', () => {
      given(apiKeyDecider, ...history)
        .when(removeKey())
        .then([]);
    });
    it('ignores a quarantine report', () => {
      given(apiKeyDecider, ...history)
        .when(quarantineKey('upstream_error', inFiveSeconds, 500))
        .then([]);
    });
    it('ignores a retirement', () => {
      given(apiKeyDecider, ...history)
        .when(retireKey())
        .then([]);
    });
    it('ignores probes', () => {
      given(apiKeyDecider, ...history)
        .when(probeRetire('unauthorized', 401))
        .then([]);
    });
    it('refuses an admin restore', () => {
      given(apiKeyDecider, ...history)
        .when(restoreKey('admin'))
        .thenThrows(KeyRemovedError);
    });
  });
});
