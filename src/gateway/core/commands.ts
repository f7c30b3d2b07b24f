import type { ClientLimits, ProbeResult, QuarantineReason } from '@switchboard/domain';

export type { ProbeResult } from '@switchboard/domain';

/**
 * CQRS commands the gateway sends when a key's or provider's state must change. Their handlers
 * (core/handlers/) run the domain deciders through `runCommand` and apply the recorded events to
 * the projections before resolving, so the next request already sees the change.
 * Time is taken by the handler when it is not given (`now`), so callers stay clock-free.
 */
export class RegisterKeyCommand {
  constructor(
    readonly fingerprint: string,
    readonly provider: string,
  ) {}
}

export class RemoveKeyCommand {
  constructor(readonly fingerprint: string) {}
}

export class QuarantineKeyCommand {
  constructor(
    readonly fingerprint: string,
    readonly reason: QuarantineReason,
    readonly until: Date,
    readonly status?: number,
  ) {}
}

export class RestoreKeyCommand {
  constructor(
    readonly fingerprint: string,
    readonly reason: 'deadline_passed' | 'admin',
  ) {}
}

export class RetireKeyCommand {
  constructor(
    readonly fingerprint: string,
    readonly reason: string,
    readonly status?: number,
  ) {}
}

export class RecordProbeCommand {
  constructor(
    readonly fingerprint: string,
    readonly result: ProbeResult,
  ) {}
}

export class RegisterProviderCommand {
  constructor(
    readonly name: string,
    readonly providerType: string,
  ) {}
}

export class OpenCircuitCommand {
  constructor(
    readonly name: string,
    readonly failures: number,
    readonly until: Date,
  ) {}
}

export class HalfOpenCircuitCommand {
  constructor(readonly name: string) {}
}

export class CloseCircuitCommand {
  constructor(readonly name: string) {}
}

export class DisableProviderCommand {
  constructor(
    readonly name: string,
    readonly reason?: string,
  ) {}
}

export class EnableProviderCommand {
  constructor(readonly name: string) {}
}

/** Issue a key to a client: the caller made the key and passes only its hash. */
export class IssueClientKeyCommand {
  constructor(
    readonly name: string,
    readonly keyHash: string,
    readonly models: string[] | null,
    readonly limits: ClientLimits,
  ) {}
}

/** Replace a client's models and limits (already merged with the current ones). */
export class ChangeClientLimitsCommand {
  constructor(
    readonly name: string,
    readonly models: string[] | null,
    readonly limits: ClientLimits,
  ) {}
}

export class RevokeClientKeyCommand {
  constructor(readonly name: string) {}
}
