import type { CallContext, Operation, ProfileInfo, UpstreamRequest } from '../provider';

const PATHS: Record<Exclude<Operation, 'count_tokens'>, string> = {
  chat: '/chat/completions',
  completions: '/completions',
  embeddings: '/embeddings',
  models: '/models',
};

/** `base_url` is the root the OpenAI SDK takes (`https://api.openai.com/v1`, `http://localhost:11434/v1`). */
export function url(profile: ProfileInfo, op: Exclude<Operation, 'count_tokens'>): string {
  return `${profile.baseUrl}${PATHS[op]}`;
}

export function headers(key: string, withBody: boolean): Record<string, string> {
  return withBody ? { authorization: `Bearer ${key}`, 'content-type': 'application/json' } : { authorization: `Bearer ${key}` };
}

export function modelsRequest(ctx: Pick<CallContext, 'profile' | 'key'>): UpstreamRequest {
  return { method: 'GET', url: url(ctx.profile, 'models'), headers: headers(ctx.key, false) };
}
