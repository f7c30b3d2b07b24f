import type { ProfileInfo } from '../provider';

export const DEFAULT_BASE_URL = 'https://generativelanguage.googleapis.com';

function root(profile: ProfileInfo): string {
  return (profile.baseUrl || DEFAULT_BASE_URL).replace(/\/+$/, '');
}

/** A chain may name the model `gemini-2.0-flash` or, as the API lists it, `models/gemini-2.0-flash`. */
export function modelName(model: string): string {
  return model.replace(/^models\//, '');
}

export function modelResource(model: string): string {
  return `models/${modelName(model)}`;
}

export type GeminiMethod = 'generateContent' | 'streamGenerateContent' | 'embedContent' | 'batchEmbedContents';

/** `alt=sse` turns the stream into server-sent events (the default is one JSON array). */
export function methodUrl(profile: ProfileInfo, model: string, method: GeminiMethod): string {
  const query = method === 'streamGenerateContent' ? '?alt=sse' : '';
  return `${root(profile)}/v1beta/${modelResource(model)}:${method}${query}`;
}

/** The cheapest authenticated GET: one page of one model. */
export function probeUrl(profile: ProfileInfo): string {
  return `${root(profile)}/v1beta/models?pageSize=1`;
}

/** models.list: up to 1000 a page, the next one by `pageToken`. */
export function modelsUrl(profile: ProfileInfo, pageToken?: string): string {
  return `${root(profile)}/v1beta/models?pageSize=1000${pageToken === undefined ? '' : `&pageToken=${encodeURIComponent(pageToken)}`}`;
}

/** The key travels in a header, never in the `?key=` query, so it cannot leak into URL logs. */
export function headers(key: string, withBody: boolean): Record<string, string> {
  return { 'x-goog-api-key': key, ...(withBody ? { 'content-type': 'application/json' } : {}) };
}
