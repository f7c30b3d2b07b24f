import pino, { type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { secretValuesPattern } from '@switchboard/domain';
import type { RequestLineSink } from './request-log';
import { stdoutLog } from './log-output';

const LEVELS: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Header names whose values are credentials, wherever they appear in a logged object. */
const SECRET_FIELDS = ['authorization', 'x-api-key', 'api-key', 'apiKey'];
const REDACT_PATHS = ['', '*', '*.*', 'req.headers', '*.headers'].flatMap((prefix) =>
  SECRET_FIELDS.map((field) => (/^\w+$/.test(field) ? (prefix ? `${prefix}.${field}` : field) : `${prefix}["${field}"]`)),
);
const CENSOR = '[REDACTED]';

/**
 * Where the secret values come from (upstream keys, client and admin keys), asked again whenever
 * `revision` moves: keys files change at run time.
 */
export interface SecretSource {
  readonly revision: number;
  secrets(): Iterable<string>;
}

export interface RootLoggerOptions {
  env: NodeJS.ProcessEnv;
  secrets: SecretSource;
  /** Where lines go (tests capture them); standard output otherwise. */
  destination?: DestinationStream;
}

export interface RootLogger {
  logger: Logger;
  /**
   * Where the one line per finished request goes: same level, destination and redaction by value,
   * without pino (see `RequestLog`) and without the redaction by field path. That line is built
   * field by field and never holds headers, and the path walk (wildcards at every depth) cost the
   * gateway a quarter of its CPU per request in the benchmark's profile.
   */
  requestLines: RequestLineSink;
  /** Writes out what standard output's writer still holds (before `process.exit`). */
  flush(): void;
}

/**
 * The process's one logger: JSON lines at `LOG_LEVEL` (default info), pretty only with
 * LOG_PRETTY=1. Credentials are redacted by configuration twice over: by field (authorization,
 * x-api-key, api-key headers, wherever they sit in a logged object) and by value (every key the
 * process holds, wherever it appears in a line, a message or an error text included).
 */
export function createRootLogger({ env, secrets, destination }: RootLoggerOptions): RootLogger {
  const level = (env.LOG_LEVEL || 'info').toLowerCase() as LevelWithSilent;
  if (!LEVELS.includes(level)) throw new Error(`LOG_LEVEL: expected one of ${LEVELS.join(', ')}, got '${env.LOG_LEVEL}'`);
  const redactor = new SecretValues(secrets);
  const options = {
    level,
    base: { pid: process.pid },
    hooks: { streamWrite: (line: string) => redactor.redact(line) },
    redact: { paths: REDACT_PATHS, censor: CENSOR },
  };
  const enabled = level !== 'silent' && pino.levels.values[level] <= pino.levels.values.info;
  const direct = (dest: DestinationStream): RequestLineSink => ({ enabled, write: (line) => dest.write(redactor.redact(line)) });
  if (destination) return { logger: pino(options, destination), requestLines: direct(destination), flush: () => undefined };
  if (env.LOG_PRETTY === '1') {
    // Loaded only when asked for: a production process never pays for it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pretty = require('pino-pretty') as (opts: Record<string, unknown>) => DestinationStream;
    const dest = pretty({ colorize: true, sync: true });
    return { logger: pino(options, dest), requestLines: direct(dest), flush: () => undefined };
  }
  // One synchronous write per 10 ms at most, for pino's lines and the request lines alike.
  const stdout = stdoutLog();
  return { logger: pino(options, stdout), requestLines: direct(stdout), flush: () => stdout.flush() };
}

/** Replaces every secret value in a line; the pattern is rebuilt only when the secrets change. */
class SecretValues {
  private revision = -1;
  private pattern: RegExp | undefined;

  constructor(private readonly source: SecretSource) {}

  redact(line: string): string {
    if (this.revision !== this.source.revision) this.rebuild();
    return this.pattern ? line.replace(this.pattern, CENSOR) : line;
  }

  private rebuild(): void {
    this.revision = this.source.revision;
    // JSON escaping could change a secret's spelling in a line only for quotes, backslashes and
    // control characters, which API keys do not hold.
    this.pattern = secretValuesPattern(this.source.secrets(), 8);
  }
}
