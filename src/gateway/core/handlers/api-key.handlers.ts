import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { RecordedEvent } from '@switchboard/event-store';
import {
  QuarantineKeyCommand,
  RecordProbeCommand,
  RegisterKeyCommand,
  RemoveKeyCommand,
  RestoreKeyCommand,
  RetireKeyCommand,
} from '../commands';
import { DomainWriter } from '../domain-writer';

@CommandHandler(RegisterKeyCommand)
export class RegisterKeyHandler implements ICommandHandler<RegisterKeyCommand, RecordedEvent[]> {
  constructor(private readonly writer: DomainWriter) {}
  execute(c: RegisterKeyCommand): Promise<RecordedEvent[]> {
    return this.writer.apiKey({ type: 'RegisterKey', data: { fingerprint: c.fingerprint, provider: c.provider, now: this.writer.now() } });
  }
}

@CommandHandler(RemoveKeyCommand)
export class RemoveKeyHandler implements ICommandHandler<RemoveKeyCommand, RecordedEvent[]> {
  constructor(private readonly writer: DomainWriter) {}
  execute(c: RemoveKeyCommand): Promise<RecordedEvent[]> {
    return this.writer.apiKey({ type: 'RemoveKey', data: { fingerprint: c.fingerprint, now: this.writer.now() } });
  }
}

@CommandHandler(QuarantineKeyCommand)
export class QuarantineKeyHandler implements ICommandHandler<QuarantineKeyCommand, RecordedEvent[]> {
  constructor(private readonly writer: DomainWriter) {}
  execute(c: QuarantineKeyCommand): Promise<RecordedEvent[]> {
    return this.writer.apiKey({
      type: 'QuarantineKey',
      data: { fingerprint: c.fingerprint, reason: c.reason, status: c.status, until: c.until.toISOString(), now: this.writer.now() },
    });
  }
}

@CommandHandler(RestoreKeyCommand)
export class RestoreKeyHandler implements ICommandHandler<RestoreKeyCommand, RecordedEvent[]> {
  constructor(private readonly writer: DomainWriter) {}
  execute(c: RestoreKeyCommand): Promise<RecordedEvent[]> {
    return this.writer.apiKey({ type: 'RestoreKey', data: { fingerprint: c.fingerprint, reason: c.reason, now: this.writer.now() } });
  }
}

@CommandHandler(RetireKeyCommand)
export class RetireKeyHandler implements ICommandHandler<RetireKeyCommand, RecordedEvent[]> {
  constructor(private readonly writer: DomainWriter) {}
  execute(c: RetireKeyCommand): Promise<RecordedEvent[]> {
    return this.writer.apiKey({
      type: 'RetireKey',
      data: { fingerprint: c.fingerprint, reason: c.reason, status: c.status, now: this.writer.now() },
    });
  }
}

@CommandHandler(RecordProbeCommand)
export class RecordProbeHandler implements ICommandHandler<RecordProbeCommand, RecordedEvent[]> {
  constructor(private readonly writer: DomainWriter) {}
  execute(c: RecordProbeCommand): Promise<RecordedEvent[]> {
    return this.writer.apiKey({ type: 'RecordProbe', data: { fingerprint: c.fingerprint, result: c.result, now: this.writer.now() } });
  }
}
