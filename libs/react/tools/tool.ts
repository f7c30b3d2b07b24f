import type { ToolsConfig } from '@switchboard/config';

export interface ToolContext {
  config: ToolsConfig;
  /** Aborts when the call's deadline passes or the session stops. */
  signal: AbortSignal;
  now: () => Date;
  sessionId?: string;
  depth?: number;
}

/** A tool: one file each, listed once in `tools/index.ts`. `run` may throw: the registry turns it into an error. */
export interface Tool<I = never> {
  name: string;
  description: string;
  /** JSON schema of the input; the registry validates against it before `run`. */
  parameters: Record<string, unknown>;
  run(input: I, ctx: ToolContext): Promise<unknown>;
}

/** A tool failure whose message is meant for the model (no stack, no internals). */
export class ToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolError';
  }
}
