import type { DestinationStream } from 'pino';
import type { GatewayConfig, KeyVault } from '@switchboard/config';
import { NestPinoLogger } from './nest-pino-logger';
import { createRootLogger, type RootLogger } from './root-logger';

export interface ProcessLogging extends RootLogger {
  /** What Nest logs through. */
  nest: NestPinoLogger;
}

/**
 * The logging of one process (gateway, keeper, tool server): JSON through pino, redacting the
 * upstream keys the vault holds and the config's own credentials (client and admin keys, tool keys).
 */
export function openProcessLogging(opts: {
  config: Pick<GatewayConfig, 'auth' | 'tools'>;
  env: NodeJS.ProcessEnv;
  vault?: KeyVault;
  destination?: DestinationStream;
}): ProcessLogging {
  const fixed = configSecrets(opts.config);
  const { vault } = opts;
  const root = createRootLogger({
    env: opts.env,
    destination: opts.destination,
    secrets: {
      get revision() {
        return vault?.revision ?? 0;
      },
      secrets: () => [...fixed, ...(vault?.secrets() ?? [])],
    },
  });
  return { ...root, nest: new NestPinoLogger(root.logger) };
}

function configSecrets(config: Pick<GatewayConfig, 'auth' | 'tools'>): string[] {
  const keyOf = (entry: unknown): unknown => (typeof entry === 'object' && entry !== null ? (entry as { key?: unknown }).key : entry);
  const all: unknown[] = [...(config.auth?.clientKeys ?? []), ...(config.auth?.adminKeys ?? [])].map(keyOf);
  all.push(config.tools?.webSearch?.tavilyApiKey);
  return all.filter((value): value is string => typeof value === 'string' && value.length > 0);
}
