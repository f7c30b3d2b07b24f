import type { ResponseStore, ResponseStoreLimits, StoredResponse } from '../response-store';

/** For tests and `EVENT_STORE_URL=memory:`: kept in this process only, in insertion order. */
export class InMemoryResponseStore implements ResponseStore {
  private readonly records = new Map<string, StoredResponse>();

  constructor(private readonly limits: ResponseStoreLimits) {}

  put(record: StoredResponse, nowMs: number): Promise<void> {
    this.records.delete(record.id);
    this.records.set(record.id, structuredClone(record));
    for (const [id, kept] of this.records) {
      if (kept.createdAtMs < nowMs - this.limits.retentionMs || this.records.size > this.limits.maxStored) this.records.delete(id);
    }
    return Promise.resolve();
  }

  get(id: string, nowMs: number): Promise<StoredResponse | undefined> {
    const record = this.records.get(id);
    return Promise.resolve(record && record.createdAtMs >= nowMs - this.limits.retentionMs ? structuredClone(record) : undefined);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
