import { Module, type DynamicModule } from '@nestjs/common';
import type { ToolsConfig } from '@switchboard/config';
import { HealthModule } from '../gateway/health/health.module';
import { McpController } from './mcp.controller';
import type { ToolCatalog } from '@switchboard/react';
import { TOOL_CATALOG, TOOLS_CONFIG } from './tool-server.tokens';
import { toolsNatsController } from './tools.nats-controller';

@Module({})
export class ToolServerModule {
  static forRoot(opts: { catalog: ToolCatalog; config: ToolsConfig; subjects: { list: string; call: string } }): DynamicModule {
    return {
      module: ToolServerModule,
      // /health/live and /health/ready (NATS, registered by createToolServer), for the orchestrator's probes.
      imports: [HealthModule.forRoot({ core: false })],
      controllers: [toolsNatsController(opts.subjects), McpController],
      providers: [
        { provide: TOOL_CATALOG, useValue: opts.catalog },
        { provide: TOOLS_CONFIG, useValue: opts.config },
      ],
    };
  }
}
