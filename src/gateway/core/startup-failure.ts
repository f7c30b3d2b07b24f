import { ConfigError } from '@switchboard/config';

/** Why a process could not start: every config problem on its own line, by path. */
export function reportStartupFailure(err: unknown, write: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): void {
  if (err instanceof ConfigError) {
    write(`switchboard: invalid configuration (${err.source}):`);
    for (const problem of err.problems) write(`  - ${problem}`);
  } else {
    write(`switchboard: failed to start: ${err instanceof Error ? err.message : String(err)}`);
  }
}
