import { UnsupportedFeatureError, type Operation, type Provider } from '../provider';
import type { ChatCompletionRequest, EmbeddingsRequest } from '../shared';
import { toGeminiChat } from './chat.request';
import { fromGeminiChat } from './chat.response';
import { geminiStream, type GeminiStreamState } from './chat.stream';
import { fromGeminiEmbed, toGeminiEmbed } from './embeddings';
import { headers, methodUrl, probeUrl } from './endpoint';
import type { GeminiEmbedResponse, GeminiGenerateResponse } from './gemini-wire';
import { geminiModels } from './models';
import { classifyGemini } from './outcome';

export const geminiProvider: Provider<GeminiStreamState> = {
  type: 'gemini',
  defaultBaseUrl: 'https://generativelanguage.googleapis.com',
  operations: new Set<Operation>(['chat', 'embeddings']),

  request(op, body, ctx) {
    if (op === 'chat') {
      return {
        method: 'POST',
        url: methodUrl(ctx.profile, ctx.model, ctx.stream ? 'streamGenerateContent' : 'generateContent'),
        headers: headers(ctx.key, true),
        body: JSON.stringify(toGeminiChat(body as ChatCompletionRequest)),
      };
    }
    if (op === 'embeddings') {
      const call = toGeminiEmbed(body as EmbeddingsRequest, ctx.model);
      return {
        method: 'POST',
        url: methodUrl(ctx.profile, ctx.model, call.method),
        headers: headers(ctx.key, true),
        body: JSON.stringify(call.body),
      };
    }
    throw new UnsupportedFeatureError(op, 'gemini', 'operation not offered');
  },

  response(op, body, ctx) {
    if (op === 'embeddings') {
      return fromGeminiEmbed(body as GeminiEmbedResponse, ctx.model, ctx.encodingFormat) as unknown as Record<string, unknown>;
    }
    return fromGeminiChat(body as GeminiGenerateResponse, { model: ctx.model, created: ctx.created ?? 0 }) as unknown as Record<
      string,
      unknown
    >;
  },

  stream: geminiStream,
  classify: classifyGemini,

  probe(ctx) {
    return { method: 'GET', url: probeUrl(ctx.profile), headers: headers(ctx.key, false) };
  },
  models: geminiModels,
};
