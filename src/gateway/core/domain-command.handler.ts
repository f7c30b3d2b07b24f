import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { ApiKeyCommand, ClientCommand, ProviderCommand } from '@switchboard/domain';
import type { RecordedEvent } from '@switchboard/event-store';
import { DomainCommand, type GatewayCommand } from './commands';
import { DomainWriter } from './domain-writer';

type Aggregate = 'apiKey' | 'provider' | 'client';

/** Which aggregate decides each command: a command type missing here fails the type check. */
const AGGREGATE: Record<GatewayCommand['type'], Aggregate> = {
  RegisterKey: 'apiKey',
  QuarantineKey: 'apiKey',
  RestoreKey: 'apiKey',
  RetireKey: 'apiKey',
  RecordProbe: 'apiKey',
  RemoveKey: 'apiKey',
  RegisterProvider: 'provider',
  OpenCircuit: 'provider',
  HalfOpenCircuit: 'provider',
  CloseCircuit: 'provider',
  DisableProvider: 'provider',
  EnableProvider: 'provider',
  RemoveProvider: 'provider',
  IssueClientKey: 'client',
  ChangeClientLimits: 'client',
  RevokeClientKey: 'client',
};

/** Stamps the command with the clock's time and runs it through its aggregate (see `DomainWriter`). */
@CommandHandler(DomainCommand)
export class DomainCommandHandler implements ICommandHandler<DomainCommand, RecordedEvent[]> {
  constructor(private readonly writer: DomainWriter) {}

  execute({ command }: DomainCommand): Promise<RecordedEvent[]> {
    // `Untimed` drops `now` from each member of the union; adding it back gives that member again.
    const timed = { type: command.type, data: { ...command.data, now: this.writer.now() } };
    switch (AGGREGATE[command.type]) {
      case 'apiKey':
        return this.writer.apiKey(timed as ApiKeyCommand);
      case 'provider':
        return this.writer.provider(timed as ProviderCommand);
      case 'client':
        return this.writer.client(timed as ClientCommand);
    }
  }
}
