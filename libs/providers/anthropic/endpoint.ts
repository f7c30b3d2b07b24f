import type { ProfileInfo } from '../provider';

export const DEFAULT_BASE_URL = 'https://api.anthropic.com';
export const DEFAULT_ANTHROPIC_VERSION = '2023-06-01';
export const DEFAULT_MAX_TOKENS = 4096;

function root(profile: ProfileInfo): string {
  return (profile.baseUrl || DEFAULT_BASE_URL).replace(/\/+$/, '');
}

/** `base_url` is the root the official SDK takes; the Messages API lives under `/v1`. */
export function messagesUrl(profile: ProfileInfo): string {
  return `${root(profile)}/v1/messages`;
}

export function countTokensUrl(profile: ProfileInfo): string {
  return `${root(profile)}/v1/messages/count_tokens`;
}

/** The cheapest authenticated GET: one page of one model. */
export function probeUrl(profile: ProfileInfo): string {
  return `${root(profile)}/v1/models?limit=1`;
}

/** Models - List: up to 1000 a page, the next page after the last id while `has_more`. */
export function modelsUrl(profile: ProfileInfo, afterId?: string): string {
  return `${root(profile)}/v1/models?limit=1000${afterId === undefined ? '' : `&after_id=${encodeURIComponent(afterId)}`}`;
}

export function headers(key: string, profile: ProfileInfo, withBody: boolean): Record<string, string> {
  return {
    'x-api-key': key,
    'anthropic-version': profile.anthropicVersion ?? DEFAULT_ANTHROPIC_VERSION,
    ...(withBody ? { 'content-type': 'application/json' } : {}),
  };
}
