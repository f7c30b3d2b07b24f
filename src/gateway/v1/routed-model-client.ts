import { Injectable } from '@nestjs/common';
import type { ModelClient, ModelReply, ModelRequest } from '@switchboard/react';
import { answerJson } from '../routing/answer';
import type { RouteResult } from '../routing/route-result';
import { GatewayRouter } from './gateway-router';

const NEVER = new AbortController().signal;

/** Told what each of a session's model calls came to: its attempts, and the answer's model and usage. */
export interface ModelCallMeter {
  called(result: RouteResult): void;
}

/** A model client whose calls can be metered for the request that makes them (a ReAct session). */
export interface MeteredModelClient extends ModelClient {
  chat(req: ModelRequest, meter?: ModelCallMeter): Promise<ModelReply>;
}

/**
 * How the ReAct engine asks an alias's chain for one completion: the same router as
 * `/v1/chat/completions` (failover, quarantines, circuits), without HTTP in between.
 *
 * Tools are offered natively; a reply with `tool_calls` makes the session native, one without
 * is read in the pattern's text format. A chain that refuses `tools` outright (a model served
 * without function calling) is asked again without them, and is not offered them again.
 */
@Injectable()
export class RoutedModelClient implements MeteredModelClient {
  private readonly textOnly = new Set<string>();

  constructor(private readonly router: GatewayRouter) {}

  async chat(req: ModelRequest, meter?: ModelCallMeter): Promise<ModelReply> {
    const alias = this.router.alias(req.alias);
    if (!alias) throw new Error(`unknown model alias '${req.alias}'`);
    const body: Record<string, unknown> = { model: req.alias, messages: req.messages };
    if (req.stop?.length) body.stop = req.stop;
    const signal = req.signal ?? NEVER;
    const withTools = req.tools?.length && !this.textOnly.has(alias.name);
    let result = await this.router.route('chat', withTools ? { ...body, tools: req.tools } : body, alias, signal);
    meter?.called(result);
    if (withTools && refusesTools(result) && !signal.aborted) {
      this.textOnly.add(alias.name);
      result = await this.router.route('chat', body, alias, signal);
      meter?.called(result);
    }
    return replyOf(req.alias, result);
  }
}

function replyOf(alias: string, result: RouteResult): ModelReply {
  switch (result.kind) {
    case 'served': {
      const answer = answerJson(result);
      const choice = (answer.choices as Array<{ message?: ModelReply['message']; finish_reason?: string }> | undefined)?.[0];
      if (!choice?.message) throw new Error(`${result.target.name} answered without a message`);
      const message: ModelReply['message'] = { content: choice.message.content ?? null };
      if (choice.message.tool_calls?.length) message.tool_calls = choice.message.tool_calls;
      return { message, finish_reason: choice.finish_reason ?? 'stop' };
    }
    case 'client_error':
      throw new Error(`${result.target.name} refused the request (${result.status}): ${result.body.slice(0, 300)}`);
    case 'unsupported':
      throw new Error(result.message);
    case 'exhausted':
      throw new Error(`no provider of '${alias}' could answer (${result.attempts.length} attempts)`);
    case 'aborted':
      throw new Error('aborted');
    case 'streaming':
      throw new Error('unexpected stream');
  }
}

/** The chain cannot take `tools`: a profile type without them, or a model that says it has no tool support. */
function refusesTools(result: RouteResult): boolean {
  if (result.kind === 'unsupported') return result.param?.startsWith('tools') ?? false;
  return result.kind === 'client_error' && (result.status === 400 || result.status === 422) && /\btools?\b/i.test(result.body);
}
