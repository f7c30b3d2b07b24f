import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { signal } from '@preact/signals';

/**
 * The console speaks only the gateway's public HTTP API (/v1 and /admin). Keys the operator types
 * are kept in sessionStorage: they last as long as the tab, never in localStorage or a cookie.
 */
export type Surface = 'client' | 'admin';

const STORAGE: Record<Surface, string> = { client: 'switchboard.clientKey', admin: 'switchboard.adminKey' };

/** Which surface last answered 401: the key dialog opens for it. */
export const keyWanted = signal<Surface | undefined>(undefined);

export function storedKey(surface: Surface): string {
  return sessionStorage.getItem(STORAGE[surface]) ?? '';
}

export function storeKey(surface: Surface, key: string): void {
  if (key) sessionStorage.setItem(STORAGE[surface], key);
  else sessionStorage.removeItem(STORAGE[surface]);
}

/** The gateway's error, with the OpenAI-shaped body's message and code when it sent one. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null = null,
    readonly param: string | null = null,
    readonly body: unknown = undefined,
  ) {
    super(message);
  }
}

function surfaceOf(path: string): Surface {
  return path.startsWith('/admin') ? 'admin' : 'client';
}

/** `fetch` with the surface's key; a 401 opens the key dialog and throws. */
export async function call(path: string, init: RequestInit = {}): Promise<Response> {
  const surface = surfaceOf(path);
  const headers = new Headers(init.headers);
  const key = storedKey(surface);
  if (key) headers.set('authorization', `Bearer ${key}`);
  if (init.body !== undefined && !headers.has('content-type')) headers.set('content-type', 'application/json');
  const response = await fetch(path, { ...init, headers });
  if (response.ok) return response;
  const failure = await failureOf(response);
  if (response.status === 401) keyWanted.value = surface;
  throw failure;
}

export async function getJson<T>(path: string): Promise<T> {
  return (await (await call(path)).json()) as T;
}

export async function sendJson<T>(method: 'POST' | 'PUT', path: string, body?: unknown): Promise<T> {
  const response = await call(path, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  return (await response.json()) as T;
}

async function failureOf(response: Response): Promise<ApiFailure> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as { error?: { message?: string; code?: string | null; param?: string | null } };
    if (body.error?.message)
      return new ApiFailure(response.status, body.error.message, body.error.code ?? null, body.error.param ?? null, body);
    return new ApiFailure(response.status, `${response.status} ${response.statusText}`, null, null, body);
  } catch {
    return new ApiFailure(response.status, text || `${response.status} ${response.statusText}`);
  }
}

/** Reads a `text/event-stream` body, calling `onEvent` per event as it arrives. */
export async function readEvents(response: Response, onEvent: (event: EventSourceMessage) => void): Promise<void> {
  const parser = createParser({ onEvent });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    parser.feed(value);
  }
}

/** A message for the screen: what the gateway said, else the error's own text. */
export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
