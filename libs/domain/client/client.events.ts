/** A client's limits; an absent field is no limit. Budgets are in USD per calendar day or month (UTC). */
export interface ClientLimits {
  rpm?: number;
  tpm?: number;
  maxParallel?: number;
  budget?: { usd: number; per: 'day' | 'month' };
}

/**
 * Facts about one client key, stream `client-<name>`. The key itself is never here: `keyHash` is
 * sha256(key) in hex (what auth compares), `fingerprint` its first 16 digits (what people read).
 * `models: null` lets the client use every alias.
 */
export type ClientEvent =
  | {
      type: 'ClientKeyIssued';
      data: { name: string; fingerprint: string; keyHash: string; models: string[] | null; limits: ClientLimits };
    }
  | { type: 'ClientLimitsChanged'; data: { name: string; models: string[] | null; limits: ClientLimits } }
  | { type: 'ClientKeyRevoked'; data: { name: string } };

export type ClientEventType = ClientEvent['type'];
