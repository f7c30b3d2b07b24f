import { Injectable } from '@nestjs/common';
import type { ModelClient, ModelReply, ModelRequest } from '@switchboard/react';
import { answerJson } from '../routing/answer';
import { GatewayRouter } from './gateway-router';

const NEVER = new AbortController().signal;

/**
 * How the ReAct engine asks an alias's chain for one completion: the same router as
 * `/v1/chat/completions` (failover, quarantines, circuits), without HTTP in between.
 */
@Injectable()
export class RoutedModelClient implements ModelClient {
  constructor(private readonly router: GatewayRouter) {}

  async chat(req: ModelRequest): Promise<ModelReply> {
    const alias = this.router.alias(req.alias);
    if (!alias) throw new Error(`unknown model alias '${req.alias}'`);
    const body: Record<string, unknown> = { model: req.alias, messages: req.messages };
    if (req.tools?.length) body.tools = req.tools;
    if (req.stop?.length) body.stop = req.stop;
    const result = await this.router.route('chat', body, alias, req.signal ?? NEVER);
    switch (result.kind) {
      case 'served': {
        const answer = answerJson('chat', result);
        const choice = (answer.choices as Array<{ message?: ModelReply['message']; finish_reason?: string }> | undefined)?.[0];
        if (!choice?.message) throw new Error(`${result.target.name} answered without a message`);
        const message: ModelReply['message'] = { content: choice.message.content ?? null };
        if (choice.message.tool_calls?.length) message.tool_calls = choice.message.tool_calls;
        return { message, finish_reason: choice.finish_reason ?? 'stop', nativeTools: body.tools !== undefined };
      }
      case 'client_error':
        throw new Error(`${result.target.name} refused the request (${result.status}): ${result.body.slice(0, 300)}`);
      case 'unsupported':
        throw new Error(result.message);
      case 'exhausted':
        throw new Error(`no provider of '${req.alias}' could answer (${result.attempts.length} attempts)`);
      case 'aborted':
        throw new Error('aborted');
      case 'streaming':
        throw new Error('unexpected stream');
    }
  }
}
