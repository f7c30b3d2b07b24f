import { createHash } from 'node:crypto';

/**
 * A key's only identity outside memory: the first 16 hex digits of sha256(secret), so an operator
 * can compute it from a key they hold, and nothing else about the secret is ever stored or shown.
 */
export function fingerprint(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 16);
}
