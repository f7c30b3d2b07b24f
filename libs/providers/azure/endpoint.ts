import type { CallContext, Operation, ProfileInfo, UpstreamRequest } from '../provider';

export const DEFAULT_AZURE_API_VERSION = '2024-10-21';

const PATHS: Record<Exclude<Operation, 'models' | 'count_tokens'>, string> = {
  chat: 'chat/completions',
  completions: 'completions',
  embeddings: 'embeddings',
};

function apiVersion(profile: ProfileInfo): string {
  return encodeURIComponent(profile.apiVersion ?? DEFAULT_AZURE_API_VERSION);
}

/** The chain entry's model is the deployment name: Azure routes by URL, not by body. */
export function url(profile: ProfileInfo, op: Exclude<Operation, 'models' | 'count_tokens'>, deployment: string): string {
  return `${profile.baseUrl}/openai/deployments/${encodeURIComponent(deployment)}/${PATHS[op]}?api-version=${apiVersion(profile)}`;
}

export function headers(key: string, withBody: boolean): Record<string, string> {
  return withBody ? { 'api-key': key, 'content-type': 'application/json' } : { 'api-key': key };
}

/** Models - List (`GET {endpoint}/openai/models`): authenticated, free, no deployment needed. */
export function modelsRequest(ctx: Pick<CallContext, 'profile' | 'key'>): UpstreamRequest {
  return {
    method: 'GET',
    url: `${ctx.profile.baseUrl}/openai/models?api-version=${apiVersion(ctx.profile)}`,
    headers: headers(ctx.key, false),
  };
}
