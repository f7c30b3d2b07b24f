import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, errors, type NatsConnection } from '@nats-io/transport-node';
import type { LoggerService, LogLevel } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { parse, stringify } from 'yaml';
import { natsConnectOptions } from '@switchboard/config';
import { createGateway } from '../../src/gateway/main';
import type { Clock } from '../../src/gateway/tokens';

export interface StartGatewayOptions {
  /**
   * The gateway config: YAML text, or the same structure as an object (snake_case, as in
   * config/gateway.yaml). Omitted parts get the usual defaults.
   */
  config: string | Record<string, unknown>;
  /** Extra environment (interpolation, NATS_URL...). EVENT_STORE_URL defaults to a temp SQLite file. */
  env?: NodeJS.ProcessEnv;
  /**
   * Where `<profile>.keys` files live for profiles with neither `keys` nor `keys_file`
   * (defaults to a fresh temp dir, so the repo's own keys/ never leaks into a test).
   */
  keysDir?: string;
  /** Nest log levels (defaults to warnings and errors only), or a LoggerService that captures them. */
  logger?: boolean | LogLevel[] | LoggerService;
  /** The gateway's JSON log lines (pino, LOG_LEVEL from `env`) go here: the request lines included. */
  logStream?: { write(line: string): void };
  /** The gateway's clock (see `manual-clock.ts`); the system clock by default. */
  clock?: Clock;
}

export interface StartedGateway {
  /** Base URL without trailing slash, e.g. `http://127.0.0.1:43121`. */
  url: string;
  app: NestFastifyApplication;
  /** The SQLite file behind the store (empty string when EVENT_STORE_URL was given). */
  storePath: string;
  /** The temp dir holding the config, keys dir and store. */
  dir: string;
  keysDir: string;
  /** Stops the gateway and deletes the temp dir (unless `keep`). */
  close(opts?: { keep?: boolean }): Promise<void>;
}

/** Starts the real gateway on a random port of 127.0.0.1 with a temp config and event store. */
export async function startGateway(opts: StartGatewayOptions): Promise<StartedGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-'));
  const keysDir = opts.keysDir ?? join(dir, 'keys');
  mkdirSync(keysDir, { recursive: true });
  const config = (typeof opts.config === 'string' ? parse(opts.config) : structuredClone(opts.config)) ?? {};
  pointKeysFilesAt(config as Record<string, unknown>, keysDir);
  const configPath = join(dir, 'gateway.yaml');
  writeFileSync(configPath, stringify(config));

  const storePath = opts.env?.EVENT_STORE_URL ? '' : join(dir, 'events.db');
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.PORT;
  delete env.SWITCHBOARD_CONFIG;
  Object.assign(env, { EVENT_STORE_URL: `sqlite:${storePath}` }, opts.env);
  // With NATS, analytics streams of the gateway's own unless the test chose them: the shared
  // server never gets the default SWITCHBOARD_* streams, and closing deletes what was created.
  // A subject prefix the test chose (to subscribe to it) is kept.
  const ownStreams = Boolean(env.NATS_URL) && env.NATS_STREAM_PREFIX === undefined;
  if (ownStreams)
    Object.assign(env, analyticsPrefixes(), opts.env?.NATS_SUBJECT_PREFIX ? { NATS_SUBJECT_PREFIX: opts.env.NATS_SUBJECT_PREFIX } : {});

  try {
    const gateway = await createGateway({
      configPath,
      env,
      port: 0,
      host: '127.0.0.1',
      logger: opts.logStream ? true : (opts.logger ?? ['warn', 'error']),
      logStream: opts.logStream,
      ...(opts.clock ? { clock: opts.clock } : {}),
    });
    return {
      url: gateway.url,
      app: gateway.app,
      storePath,
      dir,
      keysDir,
      close: async ({ keep = false } = {}) => {
        await gateway.close();
        if (ownStreams) await deleteStreams(env.NATS_URL!, env.NATS_STREAM_PREFIX!);
        if (!keep) rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** A subject and stream prefix no other test uses (`NATS_SUBJECT_PREFIX`, `NATS_STREAM_PREFIX`). */
export function analyticsPrefixes(): { NATS_SUBJECT_PREFIX: string; NATS_STREAM_PREFIX: string } {
  const tag = `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  return { NATS_SUBJECT_PREFIX: `test.${tag}.sb`, NATS_STREAM_PREFIX: `TEST_${tag}_` };
}

/**
 * Deletes every JetStream stream whose name starts with `prefix`. A server that no longer answers
 * (a test's private one, stopped) took its streams with it: nothing is left to delete.
 */
export async function deleteStreams(natsUrl: string, prefix: string): Promise<void> {
  let nc: NatsConnection;
  try {
    nc = await connect(natsConnectOptions(natsUrl));
  } catch (error) {
    if (error instanceof errors.ConnectionError) return;
    throw error;
  }
  try {
    const jsm = await jetstreamManager(nc);
    for await (const name of jsm.streams.names()) if (name.startsWith(prefix)) await jsm.streams.delete(name);
  } finally {
    await nc.close();
  }
}

/** Profiles with neither `keys` nor `keys_file` read `<keysDir>/<profile>.keys` (the default is cwd-relative). */
function pointKeysFilesAt(config: Record<string, unknown>, keysDir: string): void {
  const providers = config.providers;
  if (typeof providers !== 'object' || providers === null) return;
  for (const [name, profile] of Object.entries(providers as Record<string, unknown>)) {
    if (typeof profile !== 'object' || profile === null) continue;
    const p = profile as Record<string, unknown>;
    if (p.keys === undefined && p.keys_file === undefined) p.keys_file = join(keysDir, `${name}.keys`);
  }
}
