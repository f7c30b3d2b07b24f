import { UnsupportedFeatureError, type CallContext, type Operation, type Provider, type UpstreamRequest } from '../provider';
import { passthroughBody } from '../openai/chat.request';
import type { PassthroughState } from '../openai/chat.stream';
import { azureStream } from './chat.stream';
import { headers, modelsRequest, url } from './endpoint';
import { classify } from './outcome';
import { openAiModelCatalog } from '../shared/model-list';

/**
 * The body goes through as the client sent it; `model` is set to the deployment name, which Azure
 * ignores (the URL picks the deployment) but keeps the body truthful in logs and traces.
 */
function request(op: Operation, body: Record<string, unknown>, ctx: CallContext): UpstreamRequest {
  if (op === 'models') return modelsRequest(ctx);
  if (op === 'count_tokens') throw new UnsupportedFeatureError('count_tokens', 'azure', 'token counting is an Anthropic endpoint');
  return { method: 'POST', url: url(ctx.profile, op, ctx.model), headers: headers(ctx.key, true), body: passthroughBody(body, ctx.model) };
}

/**
 * Azure OpenAI: deployments by URL, `api-key` header, OpenAI wire format. `models` is left out:
 * Azure's model list describes the resource's catalogue, not the deployments a chain names.
 */
export const azureProvider: Provider<PassthroughState> = {
  type: 'azure',
  // Every resource is per deployment: a profile names its own base_url.
  defaultBaseUrl: undefined,
  operations: new Set<Operation>(['chat', 'completions', 'embeddings']),
  request,
  stream: azureStream,
  classify,
  probe: modelsRequest,
  models: openAiModelCatalog(modelsRequest),
};
