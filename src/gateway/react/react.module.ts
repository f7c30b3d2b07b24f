import { Global, Module } from '@nestjs/common';
import type { GatewayConfig } from '@switchboard/config';
import { PatternRegistry, RecentSessionsProjection } from '@switchboard/react';
import { ProjectionFeed } from '../core/projection-feed';
import { GATEWAY_ENV } from '../core/core.tokens';
import { GATEWAY_CONFIG, STEP_PUBLISHER, TOOL_BUS } from '../tokens';
import { ReactChat } from '../v1/react-bridge';
import { PromptStore } from './prompt-store';
import { ReactAdminController } from './react-admin.controller';
import { ReactChatService } from './react-chat.service';
import { ReactSessions } from './react-sessions';
import { ReactSessionsController } from './react-sessions.controller';
import { NatsReadinessCheck, openReactTransport, REACT_TRANSPORT, ReactTransportCloser, type ReactTransport } from './react-transport';

/**
 * Agents: `/v1/react/sessions`, agent aliases on `/v1/chat/completions` (as `ReactChat`, hence
 * global, like V1Module whose router is this module's `MODEL_CLIENT`), the patterns and prompts
 * under `/admin`. Expects CoreModule (config, env, event store) and V1Module.
 */
@Global()
@Module({
  controllers: [ReactSessionsController, ReactAdminController],
  providers: [
    {
      provide: PatternRegistry,
      useFactory: (config: GatewayConfig) => PatternRegistry.load(config.react.patternsDir),
      inject: [GATEWAY_CONFIG],
    },
    { provide: REACT_TRANSPORT, useFactory: openReactTransport, inject: [GATEWAY_CONFIG, GATEWAY_ENV] },
    { provide: TOOL_BUS, useFactory: (t: ReactTransport) => t.bus, inject: [REACT_TRANSPORT] },
    { provide: STEP_PUBLISHER, useFactory: (t: ReactTransport) => t.publisher, inject: [REACT_TRANSPORT] },
    ReactTransportCloser,
    NatsReadinessCheck,
    {
      provide: RecentSessionsProjection,
      useFactory: (feed: ProjectionFeed) => {
        const recent = new RecentSessionsProjection();
        feed.follow(recent);
        return recent;
      },
      inject: [ProjectionFeed],
    },
    PromptStore,
    ReactSessions,
    ReactChatService,
    { provide: ReactChat, useExisting: ReactChatService },
  ],
  exports: [ReactChat],
})
export class ReactModule {}
