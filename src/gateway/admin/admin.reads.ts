import { Inject, Injectable } from '@nestjs/common';
import {
  apiKeyStream,
  replayUntil,
  KeyPoolProjection,
  ProjectionCheckpoints,
  ProviderHealthProjection,
  type KeyRotation,
  type KeyView,
  type ProviderView,
} from '@switchboard/domain';
import type { EventStore, StreamPage } from '@switchboard/event-store';
import { CLOCK, EVENT_STORE, type Clock } from '../tokens';
import type { KeyDto, KeyEventDto, ProviderDto } from './admin.dto';

export const toKeyDto = (k: KeyView, rotation?: KeyRotation): KeyDto => ({
  fingerprint: k.fingerprint,
  provider: k.provider,
  state: k.state,
  ...(k.until !== undefined && { until: k.until }),
  ...(k.reason !== undefined && { reason: k.reason }),
  updatedAt: k.updatedAt,
  ...(k.lastProbe !== undefined && { lastProbe: { ...k.lastProbe } }),
  ...rotation,
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

/**
 * What /admin reads: the live projections, or both rebuilt at a past time, and a key's history.
 * Reads are called directly, not through a query bus: every read in the gateway (the hot path's
 * projections, clients, usage, sessions) is a plain call, and a bus here added one name per read
 * and a dispatch, and hid the answer's type behind a generic.
 */
@Injectable()
export class AdminReads {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly keys: KeyPoolProjection,
    private readonly providers: ProviderHealthProjection,
    private readonly checkpoints: ProjectionCheckpoints,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * Every key (of one profile), now or as it was `at` (replaying events up to it). Now, a key on
   * its way back into rotation says where it stands (`rotation`): memory this process holds, not
   * an event, so a past state has none.
   */
  async listKeys(provider?: string, at?: Date): Promise<KeyDto[]> {
    if (at) return (await replayAt(this.store, this.checkpoints, at)).keys.list(provider).map((k) => toKeyDto(k));
    const now = this.clock.now();
    return this.keys.list(provider).map((k) => toKeyDto(k, this.keys.rotationOf(k.fingerprint, now)));
  }

  /** One page of a key's events, oldest first. */
  async keyHistory(fingerprint: string, page: StreamPage): Promise<KeyEventDto[]> {
    const events = await this.store.readStream(apiKeyStream(fingerprint), page);
    return events.map((e) => ({ type: e.type, at: e.at, revision: e.revision, data: e.data }));
  }

  /** Every provider profile, now or as it was `at`. */
  async listProviders(at?: Date): Promise<ProviderDto[]> {
    const projection = at ? (await replayAt(this.store, this.checkpoints, at)).providers : this.providers;
    return projection.list().map(toProviderDto);
  }
}
