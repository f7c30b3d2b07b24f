import type { LoggerService } from '@nestjs/common';

/** A Nest logger that keeps every line, at every level, with its context and stack, for a test to read. */
export class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];

  log(message: unknown, ...params: unknown[]) {
    this.capture('log', message, params);
  }
  error(message: unknown, ...params: unknown[]) {
    this.capture('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]) {
    this.capture('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]) {
    this.capture('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]) {
    this.capture('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]) {
    this.capture('fatal', message, params);
  }

  private capture(level: string, message: unknown, params: unknown[]): void {
    this.lines.push([level, message, ...params].map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join(' '));
  }
}

/** The gateway's JSON log lines (its `logStream`), kept as written: the raw text, or each line parsed. */
export class CapturedJsonLog {
  text = '';

  write(line: string): void {
    this.text += line;
  }

  lines<T = Record<string, unknown>>(): T[] {
    return this.text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as T);
  }
}
