import { Logger } from '@nestjs/common';
import {
  ConfigError,
  configFromDocument,
  maskSecrets,
  readConfigDocument,
  unknownSecrets,
  type GatewayConfig,
  type ToolsConfig,
} from '@switchboard/config';
import { ClientKeysProjection, CONFIG_STREAM, type ConfigEvent } from '@switchboard/domain';
import type { EventStore, RecordedEvent, Subscription } from '@switchboard/event-store';
import { openToolCatalog, type ToolCatalog } from '@switchboard/react';
import { KeyRing } from '../gateway/auth/key-ring';

/** What the tool server starts from: its file's tools and keys (tests hand over parts of a config). */
export type ToolServerConfig = Pick<GatewayConfig, 'tools'> & Partial<Pick<GatewayConfig, 'auth' | 'source'>>;

/**
 * The tools and keys the tool server serves with: its own file's at start, then, with a store to
 * follow, every config revision the store records (`ConfigApplied` on `config-gateway`), applied
 * without a restart: the catalog is rebuilt when `tools` changed (MCP servers mounted anew; the old
 * catalog is closed once the calls it may still run have had their time), and the keys `/mcp`
 * takes are replaced. Client keys issued through `/admin/clients` count too, revoked ones stop
 * counting, as on the gateway's `/v1`. Read by every call: nothing here is copied per request.
 */
export class LiveTools {
  private readonly logger = new Logger('ToolServerConfig');
  readonly clients = new ClientKeysProjection();
  private admin: KeyRing;
  private subscription?: Subscription;
  private revision = 0;
  private pending?: ConfigEvent['data'];
  private applying = Promise.resolve();
  private readonly retiring = new Set<ToolCatalog>();
  private closed = false;
  /** Literal secrets of this process's file, by fingerprint: those a masked document can use here. */
  private readonly secrets = new Map<string, string>();
  /** Masked secrets already reported as unknown here, so each is said once. */
  private readonly reportedUnknown = new Set<string>();

  private constructor(
    public catalog: ToolCatalog,
    public config: ToolsConfig,
    auth: GatewayConfig['auth'],
    private readonly env: NodeJS.ProcessEnv,
  ) {
    this.admin = new KeyRing(auth.adminKeys);
    this.clients.configure(auth.clientKeys, new Date().toISOString());
  }

  static async open(start: ToolServerConfig, env: NodeJS.ProcessEnv): Promise<LiveTools> {
    const catalog = await openToolCatalog(start.tools, new Logger('McpMounts'));
    const live = new LiveTools(catalog, start.tools, start.auth ?? { clientKeys: [], adminKeys: [] }, env);
    try {
      if (start.source) maskSecrets(readConfigDocument(start.source), live.secrets);
    } catch {
      // No file behind this config: only `${VAR}` keys of the store's documents can be used here.
    }
    return live;
  }

  /** No key of any kind exists: `/mcp` is then for loopback callers only. */
  get open(): boolean {
    return this.admin.open && this.clients.empty;
  }

  /** An admin key, or a client key (configured or issued, not revoked). */
  accepts(key: string): boolean {
    return this.admin.accepts(key) || this.clients.identify(key) !== undefined;
  }

  /**
   * Follows the store from its start. Not awaited: the tool server serves its file's config while
   * a large or unreachable store is read (tools over NATS must not wait on the store), and each
   * revision applies when it arrives.
   */
  follow(store: EventStore): void {
    const subscription = store.subscribeToAll(undefined, (event) => this.apply(event));
    this.subscription = subscription;
    subscription.caughtUp.then(
      () => this.logger.log(`following the stored config (revision ${this.revision})`),
      () => undefined, // reported through `failed`
    );
    void subscription.failed.then((error) =>
      this.logger.error(`stopped following the stored config: ${error instanceof Error ? error.message : String(error)}`),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.subscription?.close();
    await this.applying;
    await Promise.all([this.catalog, ...this.retiring].map((catalog) => catalog.close()));
  }

  private apply(event: RecordedEvent): void {
    this.clients.apply(event);
    if (event.stream !== CONFIG_STREAM || event.type !== 'ConfigApplied') return;
    const data = (event as unknown as ConfigEvent).data;
    if (data.revision <= this.revision) return;
    this.revision = data.revision;
    // Revisions replayed in a burst (the catch-up) apply once, the latest.
    const idle = this.pending === undefined;
    this.pending = data;
    if (idle) this.applying = this.applying.then(() => this.applyPending());
  }

  private async applyPending(): Promise<void> {
    const data = this.pending;
    this.pending = undefined;
    if (!data || this.closed) return;
    let config: GatewayConfig;
    try {
      config = configFromDocument(data.document, { env: this.env, source: `${CONFIG_STREAM}@${data.revision}`, secrets: this.secrets });
    } catch (error) {
      const problems = error instanceof ConfigError ? error.problems.join('; ') : String(error);
      this.logger.error(`config revision ${data.revision} (by ${data.by}) cannot be applied here, keeping the previous one: ${problems}`);
      return;
    }
    this.admin = new KeyRing(config.auth.adminKeys);
    this.clients.configure(config.auth.clientKeys, new Date().toISOString());
    if (JSON.stringify(config.tools) !== JSON.stringify(this.config)) {
      const next = await openToolCatalog(config.tools, new Logger('McpMounts'));
      if (this.closed) return void (await next.close());
      const previous = this.catalog;
      [this.catalog, this.config] = [next, config.tools];
      this.retire(previous, config.tools.callTimeoutMs);
    }
    this.logger.log(`config revision ${data.revision} applied (by ${data.by})`);
    // Upstream keys are the gateway's to use; the keys /mcp takes and the tools' own are this server's.
    for (const unknown of unknownSecrets(data.document, this.secrets)) {
      if (unknown.path.startsWith('providers.') || this.reportedUnknown.has(unknown.fingerprint)) continue;
      this.reportedUnknown.add(unknown.fingerprint);
      this.logger.warn(`config revision ${data.revision}: ${unknown.message}`);
    }
  }

  /** A call that started on the previous catalog may run up to the call timeout: it is closed after that. */
  private retire(catalog: ToolCatalog, afterMs: number): void {
    this.retiring.add(catalog);
    setTimeout(() => {
      this.retiring.delete(catalog);
      void catalog.close();
    }, afterMs).unref();
  }
}
