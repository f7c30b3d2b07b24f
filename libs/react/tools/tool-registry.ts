import Ajv, { type ValidateFunction } from 'ajv';
import type { ToolsConfig } from '@switchboard/config';
import type { ToolDescriptor, ToolResult } from '../ports';
import { messageOf, untilAborted } from '../abort';
import { ToolError, type Tool } from './tool';

export interface ToolRunOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  sessionId?: string;
  depth?: number;
}

/**
 * The tools one process can run. Every call is validated against the tool's schema, bounded by
 * a deadline and turned into a value: a failing tool is an observation, never a crash.
 */
export class ToolRegistry {
  private readonly tools = new Map<string, { tool: Tool<unknown>; validate: ValidateFunction }>();
  private readonly ajv = new Ajv({ allErrors: true, strict: false });

  constructor(
    tools: readonly Tool<never>[],
    private readonly config: ToolsConfig,
    private readonly now: () => Date = () => new Date(),
  ) {
    for (const tool of tools) this.add(tool);
  }

  add(tool: Tool<never>): void {
    if (this.tools.has(tool.name)) throw new Error(`tool ${tool.name} is registered twice`);
    this.tools.set(tool.name, { tool: tool as Tool<unknown>, validate: this.ajv.compile(tool.parameters) });
  }

  has(name: string): boolean {
    return this.tools.has(name);
  }

  list(): ToolDescriptor[] {
    return [...this.tools.values()].map(({ tool }) => ({
      name: tool.name,
      description: tool.description,
      parameters: tool.parameters,
    }));
  }

  async call(name: string, input: unknown, opts: ToolRunOptions): Promise<ToolResult> {
    const entry = this.tools.get(name);
    if (!entry) return { error: `unknown tool '${name}' (available: ${[...this.tools.keys()].join(', ')})` };
    if (!entry.validate(input))
      return { error: `invalid input for ${name}: ${this.ajv.errorsText(entry.validate.errors, { dataVar: 'input' })}` };
    const deadline = AbortSignal.timeout(opts.timeoutMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, deadline]) : deadline;
    const ctx = { config: this.config, signal, now: this.now, sessionId: opts.sessionId, depth: opts.depth };
    try {
      const output = await untilAborted(entry.tool.run(input, ctx), signal);
      return { output: output ?? null };
    } catch (error) {
      if (deadline.aborted) return { error: `${name} timed out after ${opts.timeoutMs} ms` };
      if (signal.aborted) return { error: `${name} was cancelled` };
      return { error: error instanceof ToolError ? error.message : `${name} failed: ${messageOf(error)}` };
    }
  }
}
