import { Injectable } from '@nestjs/common';
import { ClientKeysProjection } from '@switchboard/domain';
import { requestCostUsd, type RequestObserver, type RequestRecord } from '../routing/request-record';
import { LiveConfig } from '../core/live-config';
import { RequestObservers } from '../v1/request-observers';
import { ClientLimiter } from './client-limiter';

/**
 * Charges each finished request's reported tokens (tpm) and cost (budgets) from its record, so
 * the request path carries no limit bookkeeping of its own after the answer. A request of no
 * client to an alias without limits is not counted, and its usage is never read.
 */
@Injectable()
export class LimitsObserver implements RequestObserver {
  constructor(
    observers: RequestObservers,
    private readonly limiter: ClientLimiter,
    private readonly clients: ClientKeysProjection,
    private readonly live: LiveConfig,
  ) {
    observers.register(this);
  }

  requestFinished(record: RequestRecord): void {
    const client = record.client === null ? undefined : this.clients.get(record.client);
    if (!this.limiter.counts(client, record.alias)) return;
    const usage = record.usage;
    if (!usage) return;
    const usd = requestCostUsd(record, this.live.current.prices);
    this.limiter.charge(client, record.alias, usage.total_tokens, usd);
  }
}
