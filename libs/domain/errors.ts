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

export class ProviderNotRegisteredError extends DomainError {
  readonly code = 'PROVIDER_NOT_REGISTERED';
  constructor(readonly provider: string) {
    super(`provider ${provider} is not registered`);
    this.name = 'ProviderNotRegisteredError';
  }
}

export class ClientExistsError extends DomainError {
  readonly code = 'CLIENT_EXISTS';
  constructor(readonly client: string) {
    super(`client '${client}' already has a key (revoke it first, or change its limits)`);
    this.name = 'ClientExistsError';
  }
}

export class ClientNotFoundError extends DomainError {
  readonly code = 'CLIENT_NOT_FOUND';
  constructor(readonly client: string) {
    super(`no active client named '${client}'`);
    this.name = 'ClientNotFoundError';
  }
}
