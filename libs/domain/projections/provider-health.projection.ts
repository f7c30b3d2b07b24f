import type { RecordedEvent } from '@switchboard/event-store';
import type { ProviderEvent } from '../provider/provider.events';
import type { ProviderView } from './views';
import { StreamRevisions } from './stream-revisions';

/** Circuit and admin state of every provider profile, read by the router before each attempt. */
export class ProviderHealthProjection {
  private readonly providers = new Map<string, ProviderView>();
  private readonly revisions = new StreamRevisions();

  /** Highest global position applied: where a subscription resumes. */
  get position(): bigint {
    return this.revisions.position;
  }

  /** A projection holding these views, as of `position`: feed it only the events after it. */
  static fromViews(views: readonly ProviderView[], position: bigint): ProviderHealthProjection {
    const projection = new ProviderHealthProjection();
    projection.revisions.position = position;
    for (const view of views) projection.providers.set(view.name, { ...view });
    return projection;
  }

  /** Lets the stream's events after `revision` be applied again (see `StreamRevisions.rewind`). */
  rewind(stream: string, revision: number): void {
    this.revisions.rewind(stream, revision);
  }

  /** Applies one recorded event; repeats, older revisions and other categories are ignored. */
  apply(recorded: RecordedEvent): void {
    this.revisions.advance(recorded);
    if (!recorded.stream.startsWith('provider-') || !this.revisions.admit(recorded)) return;
    const event = recorded as unknown as ProviderEvent;
    const { name } = event.data;
    const updatedAt = recorded.at;
    if (event.type === 'ProviderRegistered') {
      const type = event.data.providerType;
      this.providers.set(name, { name, type, circuit: 'closed', enabled: true, updatedAt });
      return;
    }
    // Out of the config: no longer listed (its history stays in its stream).
    if (event.type === 'ProviderRemoved') {
      this.providers.delete(name);
      return;
    }
    const current = this.providers.get(name);
    if (!current) return;
    const { type, enabled } = current;
    switch (event.type) {
      case 'CircuitOpened':
        this.providers.set(name, {
          name,
          type,
          circuit: 'open',
          until: event.data.until,
          enabled,
          updatedAt,
        });
        return;
      case 'CircuitHalfOpened':
        this.providers.set(name, { name, type, circuit: 'half_open', enabled, updatedAt });
        return;
      case 'CircuitClosed':
        this.providers.set(name, { name, type, circuit: 'closed', enabled, updatedAt });
        return;
      case 'ProviderDisabled':
        this.providers.set(name, { ...current, enabled: false, updatedAt });
        return;
      case 'ProviderEnabled':
        this.providers.set(name, { ...current, enabled: true, updatedAt });
        return;
    }
  }

  get(name: string): ProviderView | undefined {
    return this.providers.get(name);
  }

  /** Every registered profile, sorted by name. */
  list(): ProviderView[] {
    return [...this.providers.values()].map((view) => ({ ...view })).sort((a, b) => (a.name < b.name ? -1 : 1));
  }
}
