import { fingerprint } from '@switchboard/domain';

/**
 * The only place secrets live, in memory: fingerprint → secret per profile. Everything outside
 * (events, logs, responses, projections) holds fingerprints alone.
 */
export class KeyVault {
  private readonly secrets = new Map<string, string>();
  private readonly byProfile = new Map<string, string[]>();

  /** Replaces a profile's keys; returns their fingerprints in file order. */
  replace(profile: string, secrets: readonly string[]): string[] {
    for (const fp of this.byProfile.get(profile) ?? []) this.secrets.delete(fp);
    const fps = [...new Set(secrets)].map((secret) => {
      const fp = fingerprint(secret);
      this.secrets.set(fp, secret);
      return fp;
    });
    this.byProfile.set(profile, fps);
    return fps;
  }

  secret(fp: string): string | undefined {
    return this.secrets.get(fp);
  }

  fingerprints(profile: string): string[] {
    return this.byProfile.get(profile) ?? [];
  }

  profiles(): string[] {
    return [...this.byProfile.keys()];
  }
}
