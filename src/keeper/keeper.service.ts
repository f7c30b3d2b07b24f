import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { KeyVault, type GatewayConfig, type ProviderProfile } from '@switchboard/config';
import { KeyPoolProjection, ProviderHealthProjection } from '@switchboard/domain';
import type { EventStore } from '@switchboard/event-store';
import { providerFor, UndiciTransport, type Provider, type Transport } from '@switchboard/providers';
import { DomainCommand, type ProbeResult } from '../gateway/core/commands';
import { CLOCK, EVENT_STORE, GATEWAY_CONFIG, type Clock } from '../gateway/tokens';
import { circuitsDueForHalfOpen, failedTrialQuarantine, probeCandidates, probeDue } from './keeper.logic';
import { tracedProbe } from './prober';
import { LiveConfig } from '../gateway/core/live-config';
import { ProjectionFeed } from '../gateway/core/projection-feed';

/**
 * The Keeper moves time-driven state forward without waiting for a request: it restores keys
 * whose quarantine deadline has passed, half-opens circuits whose cooldown has passed, and probes
 * keys so a dead key is retired and an error quarantine ends early when the key works again.
 * Several keepers on one store are safe: the deciders make every transition happen once, and a
 * lease in the store (`probe-<fingerprint>`, one interval long) lets one of them probe each key
 * per interval. A probe that finds an available key working appends nothing; its time and latency
 * are noted in the key pool for `/admin/keys`. It follows the applied config (the store's latest):
 * the profiles it probes, their intervals and endpoints are those of the current revision.
 */
@Injectable()
export class Keeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(Keeper.name);
  private readonly undici = new UndiciTransport({ connections: 4 });
  private timer?: NodeJS.Timeout;
  private readonly lastProbeRound = new Map<string, number>();
  /** Work in flight, by what it is about, so a slow command is not sent again by the next tick. */
  private readonly busy = new Map<string, Promise<void>>();
  /** Who holds a probe lease: this keeper, unique per process start. */
  private readonly holder = `keeper-${process.pid}-${randomUUID()}`;

  constructor(
    /** The config the process started with: only the timer's tick interval is read from it. */
    @Inject(GATEWAY_CONFIG) private readonly startConfig: GatewayConfig,
    private readonly live: LiveConfig,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly keys: KeyPoolProjection,
    private readonly providers: ProviderHealthProjection,
    private readonly vault: KeyVault,
    private readonly commands: CommandBus,
    private readonly feed: ProjectionFeed,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    const start = this.clock.now();
    for (const name of Object.keys(this.startConfig.providers)) this.lastProbeRound.set(name, start);
    // Not unref'd: in a standalone keeper this timer is all that keeps the process running (it
    // exited at once on SQLite with no keys file to watch); closing the app clears it.
    this.timer = setInterval(() => this.tick(), this.startConfig.keeper.restoreCheckMs);
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await Promise.allSettled(this.busy.values());
    await this.undici.close();
  }

  private tick(): void {
    // Start-up no longer waits for the catch-up: a half-read history is no ground for a command.
    if (!this.feed.caughtUp) return;
    const now = this.clock.now();
    for (const key of this.keys.dueForRestore(now)) {
      this.once(`restore:${key.fingerprint}`, () =>
        this.commands.execute(new DomainCommand({ type: 'RestoreKey', data: { fingerprint: key.fingerprint, reason: 'deadline_passed' } })),
      );
    }
    for (const name of circuitsDueForHalfOpen(this.providers.list(), now)) {
      this.once(`circuit:${name}`, () => this.commands.execute(new DomainCommand({ type: 'HalfOpenCircuit', data: { name } })));
    }
    const config = this.live.current;
    for (const profile of Object.values(config.providers)) {
      const interval = profile.probeIntervalMs ?? config.keeper.probeIntervalMs;
      // A profile's first round is one interval after the keeper first sees it (at start, or in a new revision).
      if (!this.lastProbeRound.has(profile.name)) this.lastProbeRound.set(profile.name, now);
      if (this.busy.has(`probe:${profile.name}`) || !probeDue(this.lastProbeRound.get(profile.name)!, interval, now)) continue;
      this.lastProbeRound.set(profile.name, now);
      this.once(`probe:${profile.name}`, () => this.probeProfile(profile, interval));
    }
  }

  private once(what: string, work: () => Promise<unknown>): void {
    if (this.busy.has(what) || !this.timer) return;
    const running = work()
      .then(() => undefined)
      .catch((err: unknown) =>
        this.logger.error(`${what.split(':')[0]} of ${what.slice(what.indexOf(':') + 1)} failed: ${(err as Error).message}`),
      )
      .finally(() => this.busy.delete(what));
    this.busy.set(what, running);
  }

  /** Probes one profile's keys one after another: probes must never look like a load spike. */
  private async probeProfile(profile: ProviderProfile, intervalMs: number): Promise<void> {
    const provider = providerFor(profile.type);
    const deps = {
      provider,
      transport: transportOf(provider, this.undici),
      rateLimitCooldownMs: this.live.current.routing.rateLimitCooldownMs,
    };
    for (const key of probeCandidates(this.keys.list(profile.name), this.clock.now())) {
      const secret = this.vault.secret(key.fingerprint);
      // A request is calling the key as its trial after a cooldown: that call is this round's probe.
      if (secret === undefined || !this.timer || this.keys.onTrial(key.fingerprint)) continue;
      // A key whose cooldown ended: this probe is its one trial, and requests skip it meanwhile.
      const trial = this.keys.holdTrial(key.fingerprint, this.clock.now());
      let result: ProbeResult | undefined;
      try {
        // Another keeper probed this key within the interval: its answer stands for this round too.
        if (!(await this.store.claim(`probe-${key.fingerprint}`, this.holder, intervalMs))) continue;
        result = await tracedProbe(profile, { fingerprint: key.fingerprint, secret }, deps);
        await this.recordProbe(profile.name, key.fingerprint, result, trial);
      } finally {
        if (trial) this.keys.endTrial(key.fingerprint, this.clock.now(), result?.kind === 'ok');
      }
    }
  }

  private async recordProbe(profile: string, fingerprint: string, result: ProbeResult, trial: boolean): Promise<void> {
    this.keys.noteProbe(fingerprint, {
      at: new Date().toISOString(),
      ok: result.kind === 'ok',
      ...(result.kind === 'ok' && { latencyMs: result.latencyMs }),
    });
    await this.commands.execute(new DomainCommand({ type: 'RecordProbe', data: { fingerprint, result } }));
    if (result.kind === 'ok') return;
    const status = result.status ? ` (${result.status})` : '';
    this.logger.log(`probe of ${profile} key ${fingerprint}: ${result.kind}, ${result.reason}${status}`);
    // A failed trial puts the key back into cooldown, like a request's failed trial.
    const reason = trial ? failedTrialQuarantine(result) : undefined;
    if (reason === undefined) return;
    const until = this.clock.now() + this.live.current.routing.errorCooldownMs;
    this.keys.coolDown(fingerprint, until);
    const data = { fingerprint, reason, until: new Date(until).toISOString(), status: result.status };
    await this.commands.execute(new DomainCommand({ type: 'QuarantineKey', data }));
  }
}

/** A provider that answers in-process (the mock) carries its own transport. */
function transportOf(provider: Provider, fallback: Transport): Transport {
  const own = (provider as Partial<{ transport: Transport }>).transport;
  return own ?? fallback;
}
