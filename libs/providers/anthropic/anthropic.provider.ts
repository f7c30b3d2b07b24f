import { UnsupportedFeatureError, type Operation, type Provider, type StreamStep } from '../provider';
import type { ChatCompletionRequest } from '../shared/openai-wire';
import type { AnthropicResponse } from './anthropic-wire';
import { toAnthropicRequest } from './chat.request';
import { toChatCompletion } from './chat.response';
import { initStreamState, nextStreamStep, type AnthropicStreamState } from './chat.stream';
import { headers, messagesUrl, probeUrl } from './endpoint';
import { classifyAnthropic } from './outcome';

function onlyChat(op: Operation): void {
  if (op !== 'chat') throw new UnsupportedFeatureError(op === 'completions' ? 'prompt' : op, 'anthropic', `the ${op} endpoint`);
}

export const anthropicProvider: Provider<AnthropicStreamState> = {
  type: 'anthropic',
  defaultBaseUrl: 'https://api.anthropic.com',
  operations: new Set<Operation>(['chat']),

  request(op, body, ctx) {
    onlyChat(op);
    const anthropicBody = toAnthropicRequest(body as ChatCompletionRequest, {
      model: ctx.model,
      stream: ctx.stream,
      maxTokensDefault: ctx.profile.maxTokensDefault,
    });
    return {
      method: 'POST',
      url: messagesUrl(ctx.profile),
      headers: headers(ctx.key, ctx.profile, true),
      body: JSON.stringify(anthropicBody),
    };
  },

  response(op, body, ctx) {
    onlyChat(op);
    const message = body as AnthropicResponse;
    // The upstream's message id names the completion, so a client's id can be found in Anthropic's logs.
    return toChatCompletion(message, {
      model: ctx.model,
      id: `chatcmpl-${String(message.id ?? '').replace(/^msg_/, '')}`,
      created: ctx.created ?? 0,
    }) as unknown as Record<string, unknown>;
  },

  stream: {
    init: initStreamState,
    next: (state, event) => nextStreamStep(state, event) as unknown as StreamStep<AnthropicStreamState>,
  },

  classify: classifyAnthropic,

  probe(ctx) {
    return { method: 'GET', url: probeUrl(ctx.profile), headers: headers(ctx.key, ctx.profile, false) };
  },
};
