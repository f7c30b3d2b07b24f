import { UnsupportedFeatureError, type Operation, type Provider, type StreamStep } from '../provider';
import type { ChatCompletionRequest } from '../shared/openai-wire';
import type { AnthropicRequest, AnthropicResponse } from './anthropic-wire';
import { toAnthropicRequest } from './chat.request';
import { toChatCompletion } from './chat.response';
import { initStreamState, nextStreamStep, type AnthropicStreamState } from './chat.stream';
import { countTokensUrl, headers, messagesUrl, probeUrl } from './endpoint';
import { anthropicModels } from './models';
import { classifyAnthropic } from './outcome';

function onlyChat(op: Operation): void {
  if (op !== 'chat' && op !== 'count_tokens')
    throw new UnsupportedFeatureError(op === 'completions' ? 'prompt' : op, 'anthropic', `the ${op} endpoint`);
}

/** What `/v1/messages/count_tokens` takes of a Messages body: the prompt, not the sampling settings. */
function countTokensBody(body: AnthropicRequest): Partial<AnthropicRequest> {
  const { model, messages, system, tools, tool_choice } = body;
  return { model, messages, ...(system ? { system } : {}), ...(tools ? { tools } : {}), ...(tool_choice ? { tool_choice } : {}) };
}

export const anthropicProvider: Provider<AnthropicStreamState> = {
  type: 'anthropic',
  defaultBaseUrl: 'https://api.anthropic.com',
  operations: new Set<Operation>(['chat', 'count_tokens']),

  request(op, body, ctx) {
    onlyChat(op);
    const anthropicBody = toAnthropicRequest(body as ChatCompletionRequest, {
      model: ctx.model,
      stream: ctx.stream,
      maxTokensDefault: ctx.profile.maxTokensDefault,
    });
    const counting = op === 'count_tokens';
    return {
      method: 'POST',
      url: counting ? countTokensUrl(ctx.profile) : messagesUrl(ctx.profile),
      headers: headers(ctx.key, ctx.profile, true),
      body: JSON.stringify(counting ? countTokensBody(anthropicBody) : anthropicBody),
    };
  },

  response(op, body, ctx) {
    onlyChat(op);
    // `{input_tokens}` is already what the client asked for.
    if (op === 'count_tokens') return body as Record<string, unknown>;
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
  models: anthropicModels,
};
