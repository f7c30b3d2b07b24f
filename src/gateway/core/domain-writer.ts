import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
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
  type Decider,
  type ProviderCommand,
} from '@switchboard/domain';
import { ConcurrencyError, type EventStore, type NewEvent, type RecordedEvent } from '@switchboard/event-store';
import { CLOCK, EVENT_STORE, type Clock } from '../tokens';
import { ProjectionFeed } from './projection-feed';

/** How often transitions decided during an outage try to reach the store again. */
const OUTBOX_RETRY_MS = 500;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDecider = Decider<any, any, any>;

/** A transition decided while the store was unreachable: appended, re-decided, once it is back. */
interface Pending {
  stream: string;
  decider: AnyDecider;
  command: unknown;
}

/** The store failed to answer (not a refusal of the command): the transition waits in the outbox. */
class StoreUnavailableError extends Error {
  constructor(override readonly cause: unknown) {
    super(`event store unreachable: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/**
 * Runs a domain command through its decider and applies the stream it read, then what was
 * recorded, to the projections before resolving, so the next request already sees the change.
 * The history goes first because it may hold another replica's events that the subscription has
 * not delivered yet; once a later revision is applied the projection would ignore them. The
 * subscription delivers everything again later; the projections ignore repeats.
 *
 * When the store is unreachable, the command is decided against the state this process last
 * knew (folded from every event it applied), its events take effect in the projections at once
 * (provisional: revisions after the last known one), and the command waits in an outbox. Once the
 * store answers, the outbox is run in order, each command read, decided again against whatever
 * other replicas appended meanwhile and appended with its expected revision (so exactly once, even
 * when an append's answer was lost), and the stream's real events replace the provisional ones.
 * What waits in the outbox lives in this process only: a replica killed during an outage loses it.
 */
@Injectable()
export class DomainWriter implements OnModuleDestroy {
  private readonly logger = new Logger(DomainWriter.name);
  /** The decider state of every key and provider stream this process has seen, and its revision. */
  private readonly states = new Map<string, { state: unknown; revision: number }>();
  private readonly outbox: Pending[] = [];
  private readonly guarded: Pick<EventStore, 'readStream' | 'append'>;
  private unreachableSince?: number;
  private draining = false;
  private retry?: NodeJS.Timeout;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly keys: KeyPoolProjection,
    private readonly providers: ProviderHealthProjection,
    private readonly clients: ClientKeysProjection,
    feed: ProjectionFeed,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    // What commands decide against while the store is unreachable: every event this process sees.
    feed.follow({ apply: (event) => this.observe(event) });
    this.guarded = {
      readStream: (stream) => store.readStream(stream).catch(unavailable),
      append: (stream, events, expected) =>
        store.append(stream, events, expected).catch((error: unknown) => {
          if (error instanceof ConcurrencyError) throw error;
          return unavailable(error);
        }),
    };
  }

  /** The `now` a command carries to its decider (ISO), from the injected clock. */
  now(): string {
    return new Date(this.clock.now()).toISOString();
  }

  /** Resolves with the events recorded (`[]` when nothing changed); provisional ones during an outage. */
  async apiKey(command: ApiKeyCommand): Promise<RecordedEvent[]> {
    return this.run(apiKeyStream(command.data.fingerprint), apiKeyDecider, command);
  }

  /** Resolves with the events recorded (`[]` when nothing changed); provisional ones during an outage. */
  async provider(command: ProviderCommand): Promise<RecordedEvent[]> {
    return this.run(providerStream(command.data.name), providerDecider, command);
  }

  /** Resolves with the events recorded (`[]` when nothing changed); provisional ones during an outage. */
  async client(command: ClientCommand): Promise<RecordedEvent[]> {
    return this.run(clientStream(command.data.name), clientDecider, command);
  }

  /** Folds an event the subscription delivered into the known state of its stream. */
  observe(event: RecordedEvent): void {
    const decider = deciderOf(event.stream);
    if (!decider) return;
    const known = this.states.get(event.stream);
    if (known && event.revision <= known.revision) return;
    this.states.set(event.stream, { state: decider.evolve(known?.state ?? decider.initialState(), event), revision: event.revision });
  }

  /** Transitions decided during an outage that are not in the store yet. */
  get pending(): number {
    return this.outbox.length;
  }

  /** Since when the store has not answered a command (undefined: it answers). */
  get unreachable(): Date | undefined {
    return this.unreachableSince === undefined ? undefined : new Date(this.unreachableSince);
  }

  onModuleDestroy(): void {
    clearTimeout(this.retry);
    if (this.outbox.length > 0) this.logger.warn(`${this.outbox.length} transitions decided during the store outage were not appended`);
  }

  private async run(stream: string, decider: AnyDecider, command: unknown): Promise<RecordedEvent[]> {
    // Behind waiting transitions, a command waits too: a stream's transitions are appended in order.
    if (this.outbox.length === 0) {
      try {
        return this.applyResult(await runCommand(this.guarded, stream, decider, command));
      } catch (error) {
        if (!(error instanceof StoreUnavailableError)) throw error;
        this.wentUnreachable(error);
      }
    }
    return this.decideLocally(stream, decider, command);
  }

  private decideLocally(stream: string, decider: AnyDecider, command: unknown): RecordedEvent[] {
    const known = this.states.get(stream) ?? { state: decider.initialState(), revision: -1 };
    // A refusal (an admin's restore of an unknown key) throws here, as it would with the store up.
    const events = decider.decide(command, known.state) as NewEvent[];
    if (events.length === 0) return [];
    const at = new Date().toISOString();
    const provisional = events.map((event, i): RecordedEvent => ({
      stream,
      type: event.type,
      data: JSON.parse(JSON.stringify(event.data)) as Record<string, unknown>,
      revision: known.revision + 1 + i,
      // No global position yet: 0 moves no checkpoint.
      position: 0n,
      at,
    }));
    this.outbox.push({ stream, decider, command });
    for (const event of provisional) this.applyOne(event);
    this.scheduleDrain();
    return provisional;
  }

  private scheduleDrain(): void {
    if (this.draining || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.drain();
    }, OUTBOX_RETRY_MS);
    this.retry.unref();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.outbox.length > 0) {
        const next = this.outbox[0];
        let result: CommandResult;
        try {
          result = await runCommand(this.guarded, next.stream, next.decider, next.command);
        } catch (error) {
          if (error instanceof StoreUnavailableError) return;
          // Refused or out-raced beyond the bound once re-decided: nothing of it can be recorded.
          this.logger.warn(`a transition decided during the store outage was dropped on replay: ${String(error)}`);
          this.outbox.shift();
          continue;
        }
        this.outbox.shift();
        this.replaceProvisional(next.stream, result);
      }
      if (this.unreachableSince !== undefined) {
        this.logger.log(`event store reachable again: the transitions decided meanwhile are appended`);
        this.unreachableSince = undefined;
      }
    } finally {
      this.draining = false;
      if (this.outbox.length > 0) this.scheduleDrain();
    }
  }

  /** The stream as the store has it, applied over what this process had decided on its own. */
  private replaceProvisional(stream: string, { history, recorded }: CommandResult): void {
    this.keys.rewind(stream, -1);
    this.providers.rewind(stream, -1);
    this.clients.rewind(stream, -1);
    this.states.delete(stream);
    for (const event of history) this.applyOne(event);
    for (const event of recorded) this.applyOne(event);
  }

  private wentUnreachable(error: StoreUnavailableError): void {
    if (this.unreachableSince !== undefined) return;
    this.unreachableSince = Date.now();
    this.logger.warn(`${error.message}: transitions take effect here and are appended when it is back`);
  }

  private applyResult({ history, recorded }: CommandResult): RecordedEvent[] {
    for (const event of history) this.applyOne(event);
    for (const event of recorded) this.applyOne(event);
    return recorded;
  }

  private applyOne(event: RecordedEvent): void {
    this.keys.apply(event);
    this.providers.apply(event);
    this.clients.apply(event);
    this.observe(event);
  }
}

function unavailable(error: unknown): never {
  throw new StoreUnavailableError(error);
}

function deciderOf(stream: string): AnyDecider | undefined {
  if (stream.startsWith('apikey-')) return apiKeyDecider;
  if (stream.startsWith('provider-')) return providerDecider;
  if (stream.startsWith('client-')) return clientDecider;
  return undefined;
}
