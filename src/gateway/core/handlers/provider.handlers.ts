import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { RecordedEvent } from '@switchboard/event-store';
import {
  CloseCircuitCommand,
  DisableProviderCommand,
  EnableProviderCommand,
  HalfOpenCircuitCommand,
  OpenCircuitCommand,
  RegisterProviderCommand,
} from '../commands';
import { DomainWriter } from '../domain-writer';

@CommandHandler(RegisterProviderCommand)
export class RegisterProviderHandler implements ICommandHandler<RegisterProviderCommand, RecordedEvent[]> {
  constructor(private readonly writer: DomainWriter) {}
  execute(c: RegisterProviderCommand): Promise<RecordedEvent[]> {
    return this.writer.provider({ type: 'RegisterProvider', data: { name: c.name, providerType: c.providerType, now: this.writer.now() } });
  }
}

@CommandHandler(OpenCircuitCommand)
export class OpenCircuitHandler implements ICommandHandler<OpenCircuitCommand, RecordedEvent[]> {
  constructor(private readonly writer: DomainWriter) {}
  execute(c: OpenCircuitCommand): Promise<RecordedEvent[]> {
    return this.writer.provider({
      type: 'OpenCircuit',
      data: { name: c.name, failures: c.failures, until: c.until.toISOString(), now: this.writer.now() },
    });
  }
}

@CommandHandler(HalfOpenCircuitCommand)
export class HalfOpenCircuitHandler implements ICommandHandler<HalfOpenCircuitCommand, RecordedEvent[]> {
  constructor(private readonly writer: DomainWriter) {}
  execute(c: HalfOpenCircuitCommand): Promise<RecordedEvent[]> {
    return this.writer.provider({ type: 'HalfOpenCircuit', data: { name: c.name, now: this.writer.now() } });
  }
}

@CommandHandler(CloseCircuitCommand)
export class CloseCircuitHandler implements ICommandHandler<CloseCircuitCommand, RecordedEvent[]> {
  constructor(private readonly writer: DomainWriter) {}
  execute(c: CloseCircuitCommand): Promise<RecordedEvent[]> {
    return this.writer.provider({ type: 'CloseCircuit', data: { name: c.name, now: this.writer.now() } });
  }
}

@CommandHandler(DisableProviderCommand)
export class DisableProviderHandler implements ICommandHandler<DisableProviderCommand, RecordedEvent[]> {
  constructor(private readonly writer: DomainWriter) {}
  execute(c: DisableProviderCommand): Promise<RecordedEvent[]> {
    return this.writer.provider({ type: 'DisableProvider', data: { name: c.name, reason: c.reason, now: this.writer.now() } });
  }
}

@CommandHandler(EnableProviderCommand)
export class EnableProviderHandler implements ICommandHandler<EnableProviderCommand, RecordedEvent[]> {
  constructor(private readonly writer: DomainWriter) {}
  execute(c: EnableProviderCommand): Promise<RecordedEvent[]> {
    return this.writer.provider({ type: 'EnableProvider', data: { name: c.name, now: this.writer.now() } });
  }
}
