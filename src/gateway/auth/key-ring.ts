import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (key: string): Buffer => createHash('sha256').update(key).digest();

/**
 * A set of accepted keys, compared in constant time: both sides are hashed to equal-length
 * digests and every entry is compared, so neither the length nor the position of a match leaks.
 */
export class KeyRing {
  private readonly entries: Array<{ name: string; digest: Buffer }>;

  constructor(keys: ReadonlyArray<{ name: string; key: string }>) {
    this.entries = keys.map(({ name, key }) => ({ name, digest: digest(key) }));
  }

  /** No keys configured: the surface is open. */
  get open(): boolean {
    return this.entries.length === 0;
  }

  accepts(key: string): boolean {
    return this.find(key) !== undefined;
  }

  /** The name of the matching key, or undefined. */
  find(key: string): string | undefined {
    const candidate = digest(key);
    let match: string | undefined;
    for (const known of this.entries) if (timingSafeEqual(known.digest, candidate)) match ??= known.name;
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
