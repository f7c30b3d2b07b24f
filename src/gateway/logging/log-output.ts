import { writeSync } from 'node:fs';

/** Writes `length` bytes of `bytes` to the descriptor; answers how many it took, or throws (EAGAIN: a non-blocking pipe is full). */
export type WriteBytes = (bytes: Buffer, length: number) => number;

/** What a batch is encoded into, reused: a batch of lines is written before the next is gathered. */
const SCRATCH_BYTES = 64 * 1024;
/** Text held while the descriptor takes nothing (a stalled log reader); lines beyond it are dropped and counted. */
const MAX_HELD_CHARS = 8 * 1024 * 1024;
/** How long a line may wait for others to share its write; a full batch is written at once. */
const GATHER_MS = 10;
const GATHER_CHARS = 16 * 1024;
const RETRY_MS = 10;

/**
 * The process's log lines to standard output, gathered for up to 10 ms (or 16 k characters) and
 * written in one synchronous write: lines stay whole and in order, pino's and the request lines
 * alike. pino's asynchronous destination cost some 16k instructions per write (two byte counts, a
 * copy back into a Buffer on release, a write on libuv's thread pool and its callback) and 5k more
 * per line. A write at the end of every turn of the event loop (a `setImmediate`) counted only 4k
 * a turn, but at full load a turn carries one or two requests, and the extra wake-up and write
 * cost the request path 16 µs of user and 7 µs of system time each (a 13-point drop in capacity
 * against the raw proxy); gathered over 10 ms they cost 3–5 µs. A line is at most 10 ms late, and
 * the process flushes on exit.
 *
 * A full non-blocking pipe (EAGAIN) or a partial write keeps the rest and tries again in 10 ms;
 * what a stalled reader leaves held is bounded (8 M characters), lines beyond it are dropped and
 * a warning line says how many once writing works again. Any other error (the reader gone) drops
 * what is held: there is nowhere to write it.
 */
export class LogOutput {
  private held = '';
  /** What the descriptor has not taken yet of a batch it took only part of. */
  private rest: Buffer | undefined;
  private dropped = 0;
  private gathering: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private readonly scratch = Buffer.allocUnsafe(SCRATCH_BYTES);

  constructor(
    private readonly writeBytes: WriteBytes = (bytes, length) => writeSync(1, bytes, 0, length),
    private readonly maxHeld = MAX_HELD_CHARS,
  ) {}

  /** Holds whole lines for the next write: at most 10 ms away, now when a batch is full. */
  write(lines: string): void {
    if (this.held.length + lines.length > this.maxHeld) {
      this.dropped++;
      return;
    }
    this.held += lines;
    if (this.retry !== undefined) return;
    if (this.held.length >= GATHER_CHARS) {
      this.writeOut();
    } else if (this.gathering === undefined) {
      this.gathering = setTimeout(this.writeOutNow, GATHER_MS);
      this.gathering.unref();
    }
  }

  /** Writes out what is held, as far as the descriptor takes it; true when nothing is left. */
  writeOut(): boolean {
    clearTimeout(this.gathering);
    this.gathering = undefined;
    try {
      if (this.rest !== undefined && !this.writeRest()) return false;
      if (this.dropped > 0) {
        this.held += droppedLine(this.dropped);
        this.dropped = 0;
      }
      if (this.held === '') return true;
      const text = this.held;
      // Three bytes a character at most (UTF-16 to UTF-8): a batch that may not fit gets its own buffer.
      const bytes = text.length * 3 <= SCRATCH_BYTES ? this.scratch : Buffer.from(text);
      const length = bytes === this.scratch ? this.scratch.write(text, 0) : bytes.length;
      const written = this.writeBytes(bytes, length);
      this.held = '';
      if (written < length) {
        this.rest = Buffer.from(bytes.subarray(written, length));
        return this.tryAgainLater();
      }
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return this.tryAgainLater();
      this.held = '';
      this.rest = undefined;
      return true;
    }
  }

  /** Before the process exits: writes out everything, waiting (at most about a second) for a full pipe. */
  flush(): void {
    const wait = new Int32Array(new SharedArrayBuffer(4));
    for (let tries = 0; !this.writeOut() && tries < 100; tries++) Atomics.wait(wait, 0, 0, RETRY_MS);
    clearTimeout(this.retry);
    this.retry = undefined;
  }

  private writeRest(): boolean {
    const rest = this.rest!;
    const written = this.writeBytes(rest, rest.length);
    this.rest = written < rest.length ? rest.subarray(written) : undefined;
    return this.rest === undefined || this.tryAgainLater();
  }

  private tryAgainLater(): false {
    if (this.retry === undefined) {
      this.retry = setTimeout(() => {
        this.retry = undefined;
        this.writeOut();
      }, RETRY_MS);
      this.retry.unref();
    }
    return false;
  }

  private readonly writeOutNow = () => void this.writeOut();
}

let stdout: LogOutput | undefined;

/**
 * Standard output's one writer, shared by every logger of the process (gateways started in one
 * test process too), so their lines stay whole and in order; what it holds is written on exit.
 */
export function stdoutLog(): LogOutput {
  if (!stdout) {
    const output = new LogOutput();
    process.once('exit', () => output.flush());
    stdout = output;
  }
  return stdout;
}

/** pino's warning line (level 40) for lines a stalled reader cost. */
function droppedLine(count: number): string {
  return `{"level":40,"time":${Date.now()},"pid":${process.pid},"msg":"${count} log lines dropped: standard output took nothing while ${MAX_HELD_CHARS} characters waited"}\n`;
}
