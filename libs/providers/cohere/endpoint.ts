import type { ProfileInfo } from '../provider';

export const DEFAULT_BASE_URL = 'https://api.cohere.com';

function root(profile: ProfileInfo): string {
  return (profile.baseUrl || DEFAULT_BASE_URL).replace(/\/+$/, '');
}

export function chatUrl(profile: ProfileInfo): string {
  return `${root(profile)}/v2/chat`;
}

export function embedUrl(profile: ProfileInfo): string {
  return `${root(profile)}/v2/embed`;
}

/** The cheapest authenticated GET: one page of one model. */
export function probeUrl(profile: ProfileInfo): string {
  return `${root(profile)}/v1/models?page_size=1`;
}

/** List Models: up to 1000 a page, the next one by `page_token`. */
export function modelsUrl(profile: ProfileInfo, pageToken?: string): string {
  return `${root(profile)}/v1/models?page_size=1000${pageToken === undefined ? '' : `&page_token=${encodeURIComponent(pageToken)}`}`;
}

export function headers(key: string, withBody: boolean): Record<string, string> {
  return { authorization: `Bearer ${key}`, ...(withBody ? { 'content-type': 'application/json' } : {}) };
}
