import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import { routingHeaders, sendError } from './respond';

/** What `/v1/chat/completions` needs from the ReAct side for an agent alias. */
export interface ReactChat {
  complete(alias: string, body: Record<string, unknown>, reply: FastifyReply): Promise<void>;
}

/**
 * Hands agent aliases (`reasoning_mode: react`) to the ReAct module's `ReactChatService`,
 * looked up once at start: the gateway still serves plain aliases when no ReAct module is
 * loaded, and answers agent aliases with a clear 501 then.
 */
@Injectable()
export class ReactBridge implements OnApplicationBootstrap {
  private service?: ReactChat;

  constructor(private readonly moduleRef: ModuleRef) {}

  onApplicationBootstrap(): void {
    this.service = findReactChat(this.moduleRef);
  }

  async complete(alias: string, body: Record<string, unknown>, reply: FastifyReply): Promise<void> {
    if (this.service) return this.service.complete(alias, body, reply);
    routingHeaders(reply, 0);
    void sendError(reply, 501, `'${alias}' is an agent (reasoning_mode: react), and this gateway runs without the ReAct module.`, {
      type: 'server_error',
      param: 'model',
      code: 'react_unavailable',
    });
  }
}

function findReactChat(moduleRef: ModuleRef): ReactChat | undefined {
  let token: unknown;
  try {
    // Optional at build time: the ReAct module may be absent from a slimmed-down gateway.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    token = (require('../react') as { ReactChatService?: unknown }).ReactChatService;
  } catch {
    return undefined;
  }
  if (!token) return undefined;
  try {
    return moduleRef.get(token as new () => ReactChat, { strict: false });
  } catch {
    return undefined;
  }
}
