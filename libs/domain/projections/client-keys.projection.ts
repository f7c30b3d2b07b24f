import { hash as digestOf } from 'node:crypto';
import type { RecordedEvent } from '@switchboard/event-store';
import type { ClientEvent, ClientLimits } from '../client/client.events';
import { StreamRevisions } from './stream-revisions';

/** One client as auth and the limits read it. Never holds the key: only its sha256. */
export interface ClientView {
  name: string;
  fingerprint: string;
  /** Aliases the key may use; `null` for every alias. */
  models: ReadonlySet<string> | null;
  limits: ClientLimits;
  /** `store` for keys issued through /admin/clients, `config` for `auth.client_keys`. */
  source: 'store' | 'config';
  state: 'active' | 'revoked';
  issuedAt: string;
  updatedAt: string;
}

/** A client key listed in the config: the key itself stays in memory, hashed here. */
export interface ConfiguredClient {
  name: string;
  key: string;
  models?: string[];
  limits: ClientLimits;
}

/**
 * sha256(key) in hex: what `ClientKeyIssued.keyHash` records; its first 16 digits are the fingerprint.
 * One-shot `crypto.hash`: it runs on every /v1 request, and a `createHash` object costs it a third more.
 */
export const clientKeyHash = (key: string): string => digestOf('sha256', key, 'hex');

/**
 * The same digest as the lookup's Map key: its 32 bytes as a latin1 ('binary') string. A request's key is
 * hashed straight to it, half the length of hex to write and to hash for the Map.
 */
const lookupKey = (keyHash: string): string => Buffer.from(keyHash, 'hex').toString('binary');

/**
 * Every client key, issued ones (from `client-*` events) and configured ones, found by the sha256
 * of the key a request presents. Only hashes are compared (by the Map): what a timing could reveal
 * is where a hash of the attacker's own choosing falls, never anything about a stored key. A
 * `timingSafeEqual` after the lookup would compare the digest the Map has just matched, so it
 * could never fail: it only cost each /v1 request a Buffer and a call into C++.
 */
export class ClientKeysProjection {
  /** By `lookupKey` of the key's hash. */
  private readonly byHash = new Map<string, ClientView>();
  private readonly byName = new Map<string, { hash: string; view: ClientView }>();
  private readonly configured = new Map<string, { hash: string; view: ClientView }>();
  private readonly revisions = new StreamRevisions();

  get position(): bigint {
    return this.revisions.position;
  }

  /** True when no key exists at all, configured or issued, active or not: `/v1` is then open. */
  get empty(): boolean {
    return this.byName.size === 0 && this.configured.size === 0;
  }

  /** The client whose active key this is, or undefined (unknown or revoked). */
  identify(key: string): ClientView | undefined {
    const view = this.byHash.get(digestOf('sha256', key, 'binary'));
    return view?.state === 'active' ? view : undefined;
  }

  get(name: string): ClientView | undefined {
    return this.byName.get(name)?.view ?? this.configured.get(name)?.view;
  }

  /** Every client (issued and configured), sorted by name. */
  list(): ClientView[] {
    const all = new Map<string, ClientView>();
    for (const [name, { view }] of this.configured) all.set(name, view);
    for (const [name, { view }] of this.byName) all.set(name, view);
    return [...all.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** Replaces the configured clients (at start, and when the config changes). */
  configure(clients: readonly ConfiguredClient[], at: string): void {
    for (const { hash } of this.configured.values()) {
      const found = lookupKey(hash);
      if (this.byHash.get(found)?.source === 'config') this.byHash.delete(found);
    }
    this.configured.clear();
    for (const client of clients) {
      const hash = clientKeyHash(client.key);
      const view: ClientView = {
        name: client.name,
        fingerprint: hash.slice(0, 16),
        models: client.models ? new Set(client.models) : null,
        limits: client.limits,
        source: 'config',
        state: 'active',
        issuedAt: at,
        updatedAt: at,
      };
      this.configured.set(client.name, { hash, view });
      // An issued key wins over a configured one with the same secret (it cannot happen by chance).
      const found = lookupKey(hash);
      if (!this.byHash.has(found)) this.byHash.set(found, view);
    }
  }

  /** Lets the stream's events after `revision` be applied again (see `StreamRevisions.rewind`). */
  rewind(stream: string, revision: number): void {
    this.revisions.rewind(stream, revision);
  }

  /** Applies one recorded event; repeats, older revisions and other categories are ignored. */
  apply(recorded: RecordedEvent): void {
    this.revisions.advance(recorded);
    if (!recorded.stream.startsWith('client-') || !this.revisions.admit(recorded)) return;
    const event = recorded as unknown as ClientEvent;
    const { name } = event.data;
    const current = this.byName.get(name);
    switch (event.type) {
      case 'ClientKeyIssued': {
        if (current) this.byHash.delete(lookupKey(current.hash));
        const { fingerprint, keyHash, models, limits } = event.data;
        const view: ClientView = {
          name,
          fingerprint,
          models: models ? new Set(models) : null,
          limits,
          source: 'store',
          state: 'active',
          issuedAt: recorded.at,
          updatedAt: recorded.at,
        };
        this.byName.set(name, { hash: keyHash, view });
        this.byHash.set(lookupKey(keyHash), view);
        return;
      }
      case 'ClientLimitsChanged': {
        if (!current) return;
        const { models, limits } = event.data;
        this.replace(name, current.hash, { ...current.view, models: models ? new Set(models) : null, limits, updatedAt: recorded.at });
        return;
      }
      case 'ClientKeyRevoked':
        if (!current) return;
        this.replace(name, current.hash, { ...current.view, state: 'revoked', updatedAt: recorded.at });
        return;
    }
  }

  private replace(name: string, hash: string, view: ClientView): void {
    this.byName.set(name, { hash, view });
    this.byHash.set(lookupKey(hash), view);
  }
}
