import { Controller, Inject, type Type } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import type { ToolCallRequest, ToolDescriptor, ToolResult } from '@switchboard/react';
import { TOOL_CATALOG, TOOLS_CONFIG } from './tool-server.tokens';
import type { ToolCatalog } from '@switchboard/react';
import type { ToolsConfig } from '@switchboard/config';

/**
 * The NATS handlers, built for the given subjects (`switchboard.tools.list` / `.call` by default;
 * tests use their own prefix so parallel suites on one NATS server do not answer each other).
 */
export function toolsNatsController(subjects: { list: string; call: string }): Type<unknown> {
  @Controller()
  class ToolsNatsController {
    constructor(
      @Inject(TOOL_CATALOG) private readonly catalog: ToolCatalog,
      @Inject(TOOLS_CONFIG) private readonly config: ToolsConfig,
    ) {}

    @MessagePattern(subjects.list)
    list(): ToolDescriptor[] {
      return this.catalog.list();
    }

    /** Never throws: a failing, slow or unknown tool comes back as `{ error }`. */
    @MessagePattern(subjects.call)
    async call(@Payload() request: ToolCallRequest): Promise<ToolResult> {
      if (!request || typeof request.name !== 'string') return { error: 'a tool call needs a "name"' };
      const timeoutMs = Math.min(request.timeoutMs > 0 ? request.timeoutMs : this.config.callTimeoutMs, this.config.callTimeoutMs);
      try {
        return await this.catalog.call(request.name, request.input ?? {}, {
          timeoutMs,
          depth: request.depth,
          sessionId: request.sessionId,
        });
      } catch (error) {
        return { error: `${request.name} failed: ${error instanceof Error ? error.message : String(error)}` };
      }
    }
  }
  return ToolsNatsController;
}
