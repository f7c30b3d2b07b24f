import { Command } from '@nestjs/cqrs';
import type { ApiKeyCommand, ClientCommand, ProviderCommand } from '@switchboard/domain';
import type { RecordedEvent } from '@switchboard/event-store';

export type { ProbeResult } from '@switchboard/domain';

/** A domain command as a caller sends it: the handler stamps the time (`now`) from the injected clock. */
type Untimed<C> = C extends { type: infer T; data: infer D } ? { type: T; data: Omit<D, 'now'> } : never;

/** Every command of the key, provider and client aggregates, in the domain's own words. */
export type GatewayCommand = Untimed<ApiKeyCommand> | Untimed<ProviderCommand> | Untimed<ClientCommand>;

/**
 * The one command class the CQRS bus carries: controllers, the keeper and routing send a domain
 * command (`{type: 'QuarantineKey', data}`) through it, and its one handler (`DomainCommandHandler`)
 * runs the aggregate's decider and applies what was recorded to the projections before resolving,
 * so the next request already sees the change. The bus stays the one entry for writes; the
 * domain's command union stays the one vocabulary.
 */
export class DomainCommand extends Command<RecordedEvent[]> {
  constructor(readonly command: GatewayCommand) {
    super();
  }
}
