import type { ToolBus, ToolCallOptions, ToolDescriptor, ToolResult } from '../ports';
import type { ToolRegistry } from '../tools/tool-registry';

/** The embedded default: tools run in the gateway's own process. */
export class InProcessToolBus implements ToolBus {
  constructor(private readonly registry: ToolRegistry) {}

  list(): Promise<ToolDescriptor[]> {
    return Promise.resolve(this.registry.list());
  }

  call(name: string, input: unknown, opts: ToolCallOptions): Promise<ToolResult> {
    return this.registry.call(name, input, opts);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
