import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { KeyVault, type ProviderProfile } from '@switchboard/config';
import { KeyPoolProjection } from '@switchboard/domain';
import {
  errorBodyValue,
  providerFor,
  UndiciTransport,
  UpstreamNetworkError,
  type Provider,
  type Transport,
  type UpstreamModel,
} from '@switchboard/providers';
import { LiveConfig } from '../core/live-config';
import { ApiError } from '../http/openai-error';
import type { ProviderModelsDto } from './admin.dto';

/** However the upstream pages its list, one answer reads at most this many pages. */
const MAX_PAGES = 50;
/** Keys tried before giving up: a list call failing on three healthy keys is the upstream's trouble. */
const MAX_KEYS = 3;

type Listed = { ok: true; models: UpstreamModel[] } | { ok: false; status?: number; reason: string };

/**
 * `GET /admin/providers/<name>/models`: the upstream's own model list in its dialect (OpenAI and
 * Azure `/models`, Anthropic and Cohere `/v1/models`, Gemini `models`), read through an available
 * key of the profile, every page of it, answered in one shape. Read-only: a key that fails here
 * is left to the keeper's probes and to routing. Off the request path; its own small connection pool.
 */
@Injectable()
export class ProviderModels implements OnModuleDestroy {
  private readonly undici = new UndiciTransport({ connections: 2 });

  constructor(
    private readonly live: LiveConfig,
    private readonly keys: KeyPoolProjection,
    private readonly vault: KeyVault,
  ) {}

  async onModuleDestroy(): Promise<void> {
    await this.undici.close();
  }

  async list(name: string): Promise<ProviderModelsDto> {
    const profile = this.live.current.providers[name];
    if (!profile) throw new ApiError(404, `No provider profile named '${name}'.`, { param: 'name', code: 'provider_not_found' });
    const provider = providerFor(profile.type);
    const healthy = this.keys.list(name).filter((k) => k.state === 'available' && this.vault.secret(k.fingerprint) !== undefined);
    if (healthy.length === 0)
      throw new ApiError(503, `Provider '${name}' has no available key to list its models with.`, {
        type: 'server_error',
        code: 'no_available_key',
      });
    const failures: string[] = [];
    for (const key of healthy.slice(0, MAX_KEYS)) {
      const listed = await this.read(profile, provider, this.vault.secret(key.fingerprint)!);
      if (listed.ok) return { provider: name, type: profile.type, key: key.fingerprint, models: listed.models };
      failures.push(`${key.fingerprint}: ${listed.status ?? listed.reason}`);
    }
    throw new ApiError(502, `Provider '${name}' did not list its models (${failures.join('; ')}).`, {
      type: 'server_error',
      code: 'upstream_error',
    });
  }

  /** Every page through one key. The upstream's error body is not quoted: it may echo the key. */
  private async read(profile: ProviderProfile, provider: Provider, secret: string): Promise<Listed> {
    const transport = (provider as Partial<{ transport: Transport }>).transport ?? this.undici;
    const models: UpstreamModel[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      try {
        const res = await transport.send(provider.models.request({ profile, key: secret }, cursor), {
          connectTimeoutMs: profile.connectTimeoutMs,
          timeoutMs: profile.timeoutMs,
        });
        const text = await res.body.text();
        if (res.status < 200 || res.status >= 300) {
          const outcome = provider.classify(res.status, res.headers, errorBodyValue(text), Date.now());
          return { ok: false, status: res.status, reason: 'reason' in outcome ? outcome.reason : outcome.kind };
        }
        const next = provider.models.page(errorBodyValue(text));
        models.push(...next.models);
        if (next.cursor === undefined || seen.has(next.cursor)) break;
        seen.add(next.cursor);
        cursor = next.cursor;
      } catch (err) {
        return { ok: false, reason: err instanceof UpstreamNetworkError ? err.kind : `error:${(err as Error)?.name ?? 'unknown'}` };
      }
    }
    return { ok: true, models };
  }
}
