import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { RecordedEvent } from '@switchboard/event-store';
import { ChangeClientLimitsCommand, IssueClientKeyCommand, RevokeClientKeyCommand } from '../commands';
import { DomainWriter } from '../domain-writer';

@CommandHandler(IssueClientKeyCommand)
export class IssueClientKeyHandler implements ICommandHandler<IssueClientKeyCommand, RecordedEvent[]> {
  constructor(private readonly writer: DomainWriter) {}
  execute(c: IssueClientKeyCommand): Promise<RecordedEvent[]> {
    return this.writer.client({
      type: 'IssueClientKey',
      data: {
        name: c.name,
        fingerprint: c.keyHash.slice(0, 16),
        keyHash: c.keyHash,
        models: c.models,
        limits: c.limits,
        now: this.writer.now(),
      },
    });
  }
}

@CommandHandler(ChangeClientLimitsCommand)
export class ChangeClientLimitsHandler implements ICommandHandler<ChangeClientLimitsCommand, RecordedEvent[]> {
  constructor(private readonly writer: DomainWriter) {}
  execute(c: ChangeClientLimitsCommand): Promise<RecordedEvent[]> {
    return this.writer.client({
      type: 'ChangeClientLimits',
      data: { name: c.name, models: c.models, limits: c.limits, now: this.writer.now() },
    });
  }
}

@CommandHandler(RevokeClientKeyCommand)
export class RevokeClientKeyHandler implements ICommandHandler<RevokeClientKeyCommand, RecordedEvent[]> {
  constructor(private readonly writer: DomainWriter) {}
  execute(c: RevokeClientKeyCommand): Promise<RecordedEvent[]> {
    return this.writer.client({ type: 'RevokeClientKey', data: { name: c.name, now: this.writer.now() } });
  }
}
