import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (key: string): Buffer => createHash('sha256').update(key).digest();

/**
 * A set of accepted keys, compared in constant time: both sides are hashed to equal-length
 * digests and every entry is compared, so neither the length nor the position of a match leaks.
 */
export class KeyRing {
  private readonly digests: Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = keys.map(digest);
  }

  /** No keys configured: the surface is open. */
  get open(): boolean {
    return this.digests.length === 0;
  }

  accepts(key: string): boolean {
    const candidate = digest(key);
    let match = false;
    for (const known of this.digests) match = timingSafeEqual(known, candidate) || match;
    return match;
  }
}

/** `Authorization: Bearer <key>` or `x-api-key: <key>`. */
export function presentedKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const match = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (match) return match[1].trim();
  }
  const apiKey = headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey.trim() !== '' ? apiKey.trim() : undefined;
}

export type Surface = 'client' | 'admin' | 'open';

/** Which keys a path needs. `/docs`, `/health/*`, `/metrics` and everything else stay open. */
export function surfaceOf(path: string): Surface {
  if (path === '/v1' || path.startsWith('/v1/')) return 'client';
  if (path === '/admin' || path.startsWith('/admin/')) return 'admin';
  return 'open';
}
