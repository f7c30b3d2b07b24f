import type { ToolBus, ToolCallOptions, ToolDescriptor, ToolResult, ToolSource } from '../ports';

/** The embedded default: tools run in the gateway's own process. */
export class InProcessToolBus implements ToolBus {
  constructor(private readonly source: ToolSource) {}

  list(): Promise<ToolDescriptor[]> {
    return Promise.resolve(this.source.list());
  }

  call(name: string, input: unknown, opts: ToolCallOptions): Promise<ToolResult> {
    return this.source.call(name, input, opts);
  }

  async close(): Promise<void> {
    await this.source.close?.();
  }
}
