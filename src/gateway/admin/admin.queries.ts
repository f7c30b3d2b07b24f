import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import {
  apiKeyStream,
  replayUntil,
  KeyPoolProjection,
  ProjectionCheckpoints,
  ProviderHealthProjection,
  type KeyView,
  type ProviderView,
} from '@switchboard/domain';
import type { EventStore, StreamPage } from '@switchboard/event-store';
import { EVENT_STORE } from '../tokens';
import type { KeyDto, KeyEventDto, ProviderDto } from './admin.dto';

export class ListKeysQuery {
  constructor(
    readonly provider?: string,
    /** Rebuild the state as it was at this time (replaying events up to it). */
    readonly at?: Date,
  ) {}
}

export class KeyHistoryQuery {
  constructor(
    readonly fingerprint: string,
    readonly page: StreamPage,
  ) {}
}

export class ListProvidersQuery {
  constructor(readonly at?: Date) {}
}

export const toKeyDto = (k: KeyView): KeyDto => ({
  fingerprint: k.fingerprint,
  provider: k.provider,
  state: k.state,
  ...(k.until !== undefined && { until: k.until }),
  ...(k.reason !== undefined && { reason: k.reason }),
  updatedAt: k.updatedAt,
  ...(k.lastProbe !== undefined && { lastProbe: { ...k.lastProbe } }),
});

export const toProviderDto = (p: ProviderView): ProviderDto => ({
  name: p.name,
  type: p.type,
  circuit: p.circuit,
  ...(p.until !== undefined && { until: p.until }),
  enabled: p.enabled,
});

/** Both read models at `at`: from the feed's latest checkpoint before it, reading only the events after that. */
function replayAt(store: EventStore, checkpoints: ProjectionCheckpoints, at: Date): ReturnType<typeof replayUntil> {
  const from = checkpoints.latestAtOrBefore(at);
  return replayUntil(store.readAll(from?.position), at, from);
}

@QueryHandler(ListKeysQuery)
export class ListKeysHandler implements IQueryHandler<ListKeysQuery, KeyDto[]> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly keys: KeyPoolProjection,
    private readonly checkpoints: ProjectionCheckpoints,
  ) {}

  async execute(q: ListKeysQuery): Promise<KeyDto[]> {
    const projection = q.at ? (await replayAt(this.store, this.checkpoints, q.at)).keys : this.keys;
    return projection.list(q.provider).map(toKeyDto);
  }
}

@QueryHandler(KeyHistoryQuery)
export class KeyHistoryHandler implements IQueryHandler<KeyHistoryQuery, KeyEventDto[]> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute(q: KeyHistoryQuery): Promise<KeyEventDto[]> {
    const events = await this.store.readStream(apiKeyStream(q.fingerprint), q.page);
    return events.map((e) => ({ type: e.type, at: e.at, revision: e.revision, data: e.data }));
  }
}

@QueryHandler(ListProvidersQuery)
export class ListProvidersHandler implements IQueryHandler<ListProvidersQuery, ProviderDto[]> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly providers: ProviderHealthProjection,
    private readonly checkpoints: ProjectionCheckpoints,
  ) {}

  async execute(q: ListProvidersQuery): Promise<ProviderDto[]> {
    const projection = q.at ? (await replayAt(this.store, this.checkpoints, q.at)).providers : this.providers;
    return projection.list().map(toProviderDto);
  }
}

export const QueryHandlers = [ListKeysHandler, KeyHistoryHandler, ListProvidersHandler];
