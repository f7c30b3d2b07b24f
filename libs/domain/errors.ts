/** A command the domain must refuse. `code` is stable: the HTTP layer maps it, clients may match it. */
export abstract class DomainError extends Error {
  abstract readonly code: string;
}

export class KeyNotRegisteredError extends DomainError {
  readonly code = 'KEY_NOT_REGISTERED';
  constructor(readonly fingerprint: string) {
    super(`key ${fingerprint} is not registered`);
    this.name = 'KeyNotRegisteredError';
  }
}

export class KeyRemovedError extends DomainError {
  readonly code = 'KEY_REMOVED';
  constructor(readonly fingerprint: string) {
    super(`key ${fingerprint} has been removed`);
    this.name = 'KeyRemovedError';
  }
}

/** A failed probe reported 429 without a deadline: the caller must pass `until` or `retryAfterMs`. */
export class ProbeDeadlineMissingError extends DomainError {
  readonly code = 'PROBE_DEADLINE_MISSING';
  constructor(readonly fingerprint: string) {
    super(`probe of key ${fingerprint} was rate limited but carries no deadline`);
    this.name = 'ProbeDeadlineMissingError';
  }
}

export class ProviderNotRegisteredError extends DomainError {
  readonly code = 'PROVIDER_NOT_REGISTERED';
  constructor(readonly provider: string) {
    super(`provider ${provider} is not registered`);
    this.name = 'ProviderNotRegisteredError';
  }
}
