import { Module, type DynamicModule } from '@nestjs/common';
import { HealthModule } from '../gateway/health/health.module';
import { McpController } from './mcp.controller';
import type { LiveTools } from './live-tools';
import { LIVE_TOOLS } from './tool-server.tokens';
import { toolsNatsController } from './tools.nats-controller';

@Module({})
export class ToolServerModule {
  static forRoot(opts: { tools: LiveTools; subjects: { list: string; call: string } }): DynamicModule {
    return {
      module: ToolServerModule,
      // /health/live and /health/ready (NATS, registered by createToolServer), for the orchestrator's probes.
      imports: [HealthModule.forRoot({ core: false })],
      controllers: [toolsNatsController(opts.subjects), McpController],
      providers: [{ provide: LIVE_TOOLS, useValue: opts.tools }],
    };
  }
}
