import { Inject, Injectable } from '@nestjs/common';
import {
  apiKeyDecider,
  apiKeyStream,
  clientDecider,
  clientStream,
  providerDecider,
  providerStream,
  runCommand,
  ClientKeysProjection,
  KeyPoolProjection,
  ProviderHealthProjection,
  type ApiKeyCommand,
  type ClientCommand,
  type CommandResult,
  type ProviderCommand,
} from '@switchboard/domain';
import type { EventStore, RecordedEvent } from '@switchboard/event-store';
import { EVENT_STORE } from '../tokens';

/**
 * Runs a domain command through its decider and applies the stream it read, then what was
 * recorded, to the projections before resolving, so the next request already sees the change.
 * The history goes first because it may hold another replica's events that the subscription has
 * not delivered yet; once a later revision is applied the projection would ignore them. The
 * subscription delivers everything again later; the projections ignore repeats.
 */
@Injectable()
export class DomainWriter {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly keys: KeyPoolProjection,
    private readonly providers: ProviderHealthProjection,
    private readonly clients: ClientKeysProjection,
  ) {}

  /** Resolves with the events recorded (`[]` when nothing changed). */
  async apiKey(command: ApiKeyCommand): Promise<RecordedEvent[]> {
    return this.apply(await runCommand(this.store, apiKeyStream(command.data.fingerprint), apiKeyDecider, command));
  }

  /** Resolves with the events recorded (`[]` when nothing changed). */
  async provider(command: ProviderCommand): Promise<RecordedEvent[]> {
    return this.apply(await runCommand(this.store, providerStream(command.data.name), providerDecider, command));
  }

  /** Resolves with the events recorded (`[]` when nothing changed). */
  async client(command: ClientCommand): Promise<RecordedEvent[]> {
    return this.apply(await runCommand(this.store, clientStream(command.data.name), clientDecider, command));
  }

  private apply({ history, recorded }: CommandResult): RecordedEvent[] {
    for (const event of history) this.applyOne(event);
    for (const event of recorded) this.applyOne(event);
    return recorded;
  }

  private applyOne(event: RecordedEvent): void {
    this.keys.apply(event);
    this.providers.apply(event);
    this.clients.apply(event);
  }
}
