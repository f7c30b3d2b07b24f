import { All, Controller, Inject, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ToolsConfig } from '@switchboard/config';
import { handleMcpRequest } from './mcp/mcp-endpoint';
import type { ToolCatalog } from '@switchboard/react';
import { TOOL_CATALOG, TOOLS_CONFIG } from './tool-server.tokens';

/** `/mcp`: the MCP Streamable HTTP endpoint; the SDK transport writes the response itself. */
@ApiExcludeController()
@Controller('mcp')
export class McpController {
  constructor(
    @Inject(TOOL_CATALOG) private readonly catalog: ToolCatalog,
    @Inject(TOOLS_CONFIG) private readonly config: ToolsConfig,
  ) {}

  @All()
  async handle(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    reply.hijack();
    await handleMcpRequest(this.catalog, this.config, req.raw, reply.raw, req.body);
  }
}
