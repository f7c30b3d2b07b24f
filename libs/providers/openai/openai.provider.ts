import { UnsupportedFeatureError, type CallContext, type Operation, type Provider, type UpstreamRequest } from '../provider';
import { passthroughBody } from './chat.request';
import { passthroughStream, type PassthroughState } from './chat.stream';
import { headers, modelsRequest, url } from './endpoint';
import { classify } from './outcome';
import { openAiModelCatalog } from '../shared/model-list';

function request(op: Operation, body: Record<string, unknown>, ctx: CallContext): UpstreamRequest {
  if (op === 'models') return modelsRequest(ctx);
  if (op === 'count_tokens') throw new UnsupportedFeatureError('count_tokens', 'openai', 'token counting is an Anthropic endpoint');
  return { method: 'POST', url: url(ctx.profile, op), headers: headers(ctx.key, true), body: passthroughBody(body, ctx.model) };
}

/**
 * Any OpenAI-compatible host by `base_url` (OpenAI, OpenRouter, Groq, Together, DeepSeek, xAI,
 * Ollama, vLLM). No `response` mapper: the upstream already speaks the client's format, so its
 * bytes are forwarded as they are.
 */
export const openAiProvider: Provider<PassthroughState> = {
  type: 'openai',
  defaultBaseUrl: 'https://api.openai.com/v1',
  operations: new Set<Operation>(['chat', 'completions', 'embeddings', 'models']),
  request,
  stream: passthroughStream,
  classify,
  probe: modelsRequest,
  models: openAiModelCatalog(modelsRequest),
};
