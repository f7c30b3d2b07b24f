import { All, Controller, Inject, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { mcpError } from './mcp/mcp-auth';
import { handleMcpRequest } from './mcp/mcp-endpoint';
import type { LiveTools } from './live-tools';
import { LIVE_TOOLS } from './tool-server.tokens';

/**
 * `/mcp`: the MCP Streamable HTTP endpoint; the SDK transport writes the response itself. It is
 * stateless, so it has no server-to-client stream to offer on GET, and no session to DELETE: those
 * answer 405 at once, as the transport's spec allows. A legacy HTTP+SSE client (which GETs and
 * waits for an `endpoint` event) then fails fast with a clear status instead of waiting forever,
 * and a client that tries Streamable HTTP first (POST) is served.
 */
@ApiExcludeController()
@Controller('mcp')
export class McpController {
  constructor(@Inject(LIVE_TOOLS) private readonly tools: LiveTools) {}

  @All()
  async handle(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (req.method !== 'POST') {
      void reply
        .code(405)
        .header('allow', 'POST')
        .send(
          mcpError(
            `${req.method} is not served: this MCP endpoint speaks Streamable HTTP, stateless (POST JSON-RPC messages to it); the legacy HTTP+SSE transport is not offered.`,
          ),
        );
      return;
    }
    reply.hijack();
    await handleMcpRequest(this.tools.catalog, this.tools.config, req.raw, reply.raw, req.body);
  }
}
