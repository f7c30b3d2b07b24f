import { Controller, Inject, type Type } from '@nestjs/common';
import { Ctx, MessagePattern, NatsContext, Payload } from '@nestjs/microservices';
import { extractTraceContext, inSpan, SpanKind, SpanStatusCode } from '@switchboard/telemetry';
import type { ToolCallRequest, ToolDescriptor, ToolResult } from '@switchboard/react';
import type { LiveTools } from './live-tools';
import { LIVE_TOOLS } from './tool-server.tokens';

/**
 * The NATS handlers, built for the given subjects (`switchboard.tools.list` / `.call` by default;
 * tests use their own prefix so parallel suites on one NATS server do not answer each other).
 */
export function toolsNatsController(subjects: { list: string; call: string }): Type<unknown> {
  @Controller()
  class ToolsNatsController {
    constructor(@Inject(LIVE_TOOLS) private readonly tools: LiveTools) {}

    @MessagePattern(subjects.list)
    list(): ToolDescriptor[] {
      return this.tools.catalog.list();
    }

    /** Never throws: a failing, slow or unknown tool comes back as `{ error }`. */
    @MessagePattern(subjects.call)
    async call(@Payload() request: ToolCallRequest, @Ctx() message: NatsContext): Promise<ToolResult> {
      if (!request || typeof request.name !== 'string') return { error: 'a tool call needs a "name"' };
      // The caller's trace, from the message's headers: this call's span is a child of its tool call.
      const headers = message.getHeaders() as { get(name: string): string } | undefined;
      const parent = extractTraceContext((name) => headers?.get(name) || undefined);
      return inSpan(
        `execute_tool ${request.name}`,
        { kind: SpanKind.SERVER, attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': request.name } },
        async (span) => {
          const result = await this.run(request);
          if ('error' in result) span?.setStatus({ code: SpanStatusCode.ERROR, message: result.error });
          return result;
        },
        parent,
      );
    }

    private async run(request: ToolCallRequest): Promise<ToolResult> {
      const { catalog, config } = this.tools;
      const timeoutMs = Math.min(request.timeoutMs > 0 ? request.timeoutMs : config.callTimeoutMs, config.callTimeoutMs);
      try {
        return await catalog.call(request.name, request.input ?? {}, {
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
