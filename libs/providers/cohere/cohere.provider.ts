import { UnsupportedFeatureError, type Operation, type Provider } from '../provider';
import type { ChatCompletionRequest, EmbeddingsRequest } from '../shared';
import { toCohereChat } from './chat.request';
import { fromCohereChat } from './chat.response';
import { cohereStream, type CohereStreamState } from './chat.stream';
import type { CohereChatResponse, CohereEmbedResponse } from './cohere-wire';
import { fromCohereEmbed, toCohereEmbed } from './embeddings';
import { chatUrl, embedUrl, headers, probeUrl } from './endpoint';
import { cohereModels } from './models';
import { classifyCohere } from './outcome';

export const cohereProvider: Provider<CohereStreamState> = {
  type: 'cohere',
  defaultBaseUrl: 'https://api.cohere.com',
  operations: new Set<Operation>(['chat', 'embeddings']),

  request(op, body, ctx) {
    if (op === 'chat') {
      const upstream = toCohereChat(body as ChatCompletionRequest, ctx.model, ctx.stream);
      return { method: 'POST', url: chatUrl(ctx.profile), headers: headers(ctx.key, true), body: JSON.stringify(upstream) };
    }
    if (op === 'embeddings') {
      const upstream = toCohereEmbed(body as EmbeddingsRequest, ctx.model);
      return { method: 'POST', url: embedUrl(ctx.profile), headers: headers(ctx.key, true), body: JSON.stringify(upstream) };
    }
    throw new UnsupportedFeatureError(op, 'cohere', 'operation not offered');
  },

  response(op, body, ctx) {
    if (op === 'embeddings') {
      return fromCohereEmbed(body as CohereEmbedResponse, ctx.model, ctx.encodingFormat) as unknown as Record<string, unknown>;
    }
    return fromCohereChat(body as CohereChatResponse, { model: ctx.model, created: ctx.created ?? 0 }) as unknown as Record<
      string,
      unknown
    >;
  },

  stream: cohereStream,
  classify: classifyCohere,

  probe(ctx) {
    return { method: 'GET', url: probeUrl(ctx.profile), headers: headers(ctx.key, false) };
  },
  models: cohereModels,
};
