import { Inject, Injectable } from '@nestjs/common';
import {
  apiKeyDecider,
  apiKeyStream,
  providerDecider,
  providerStream,
  runCommand,
  KeyPoolProjection,
  ProviderHealthProjection,
  type ApiKeyCommand,
  type ProviderCommand,
} from '@switchboard/domain';
import type { EventStore, RecordedEvent } from '@switchboard/event-store';
import { EVENT_STORE } from '../tokens';

/**
 * Runs a domain command through its decider and applies what was recorded to both projections
 * before resolving, so the next request already sees the change (the subscription delivers the
 * same events again later; the projections ignore repeats).
 */
@Injectable()
export class DomainWriter {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly keys: KeyPoolProjection,
    private readonly providers: ProviderHealthProjection,
  ) {}

  async apiKey(command: ApiKeyCommand): Promise<RecordedEvent[]> {
    const recorded = await runCommand(this.store, apiKeyStream(command.data.fingerprint), apiKeyDecider, command);
    this.apply(recorded);
    return recorded;
  }

  async provider(command: ProviderCommand): Promise<RecordedEvent[]> {
    const recorded = await runCommand(this.store, providerStream(command.data.name), providerDecider, command);
    this.apply(recorded);
    return recorded;
  }

  private apply(recorded: RecordedEvent[]): void {
    for (const event of recorded) {
      this.keys.apply(event);
      this.providers.apply(event);
    }
  }
}
