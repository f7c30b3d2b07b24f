import { fingerprint } from '@switchboard/domain';

/** A key a profile lists but another profile holds. */
export interface HeldElsewhere {
  fingerprint: string;
  holder: string;
}

/**
 * The only place secrets live, in memory: fingerprint → secret, and which profile holds each key.
 * Everything outside (events, logs, responses, projections) holds fingerprints alone.
 *
 * A key belongs to one profile: its fingerprint names one stream, `apikey-<fingerprint>`, whose
 * KeyRegistered says the profile. Config load refuses the same key in two profiles; when a keys
 * file edit lists it twice later, the profile holding it keeps it while it lists it, and the key
 * moves to the next profile listing it once the holder lets it go.
 */
export class KeyVault {
  /** Per profile, the keys it lists (config `keys:` and keys file), fingerprint → secret, in order. */
  private readonly listed = new Map<string, Map<string, string>>();
  /** fingerprint → the profile holding the key. */
  private holders = new Map<string, string>();
  /** Moves whenever the keys change, so redaction by value knows to read `secrets()` again. */
  revision = 0;

  /** Sets the keys a profile lists; returns those of them another profile holds. */
  replace(profile: string, secrets: readonly string[]): HeldElsewhere[] {
    this.revision++;
    this.listed.set(profile, new Map(secrets.map((secret) => [fingerprint(secret), secret])));
    const next = new Map<string, string>();
    for (const [fp, holder] of this.holders) {
      if (this.listed.get(holder)?.has(fp)) next.set(fp, holder);
    }
    for (const [name, keys] of this.listed) {
      for (const fp of keys.keys()) if (!next.has(fp)) next.set(fp, name);
    }
    this.holders = next;
    return [...this.listed.get(profile)!.keys()]
      .filter((fp) => next.get(fp) !== profile)
      .map((fp) => ({ fingerprint: fp, holder: next.get(fp)! }));
  }

  /** Every secret any profile lists: what logs must never show. */
  *secrets(): Iterable<string> {
    for (const keys of this.listed.values()) yield* keys.values();
  }

  secret(fp: string): string | undefined {
    const holder = this.holders.get(fp);
    return holder === undefined ? undefined : this.listed.get(holder)?.get(fp);
  }

  /** The keys `profile` holds, in the order it lists them. */
  fingerprints(profile: string): string[] {
    return [...(this.listed.get(profile)?.keys() ?? [])].filter((fp) => this.holders.get(fp) === profile);
  }
}
