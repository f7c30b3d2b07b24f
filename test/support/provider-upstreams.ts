import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fixturesIn, type FixtureFolder } from './fixtures';

/**
 * Stand-ins for the providers the gateway translates to, on real sockets. Each speaks its
 * provider's wire format from the recorded fixtures in `libs/providers/<type>/fixtures`, records
 * every request it receives (so a test can assert the translated request: method, path with
 * query, headers, body), and can be told to fail for a key or for its next calls with that
 * provider's own documented error bodies. Streams go out in small pieces, so events split
 * across TCP writes as they do in the wild.
 */

export type UpstreamType = 'anthropic' | 'gemini' | 'azure' | 'cohere';

/** A provider folder's recorded fixtures, read as its own specs read them. */
export const providerFixtures = (type: UpstreamType): FixtureFolder =>
  fixturesIn(join(__dirname, '../../libs/providers', type, 'fixtures'));

/** A fixture file's text, e.g. `fixtureText('anthropic', 'tool-use.sse')`. */
export function fixtureText(type: UpstreamType, name: string): string {
  return providerFixtures(type).text(name);
}

export function fixtureJson<T = unknown>(type: UpstreamType, name: string): T {
  return providerFixtures(type).json<T>(name);
}

/** The `upstream` half of a recorded `{upstream, openai}` response pair. */
function recordedUpstream(type: UpstreamType, name: string): unknown {
  return fixtureJson<{ upstream: unknown }>(type, name).upstream;
}

/**
 * A documented error case from a provider's `errors.json` (`{cases: [...]}` or a bare list) as a
 * reply, with the outcome the recorded case says it classifies to.
 */
export function errorCase(type: 'gemini' | 'azure' | 'cohere', name: RegExp): Reply & { outcome: unknown } {
  const file = fixtureJson<{ cases: ErrorCase[] } | ErrorCase[]>(type, 'errors.json');
  const found = (Array.isArray(file) ? file : file.cases).find((c) => name.test(c.name));
  if (!found) throw new Error(`no ${type} error case matches ${String(name)}`);
  const headers = Object.fromEntries(Object.entries(found.headers ?? {}).filter(([k]) => k.toLowerCase() !== 'content-type'));
  return { status: found.status, headers, json: found.body, outcome: found.outcome };
}

/** Anthropic's documented error bodies live one per file under `fixtures/errors/`. */
export function anthropicError(status: number, errorType: string, headers: Record<string, string> = {}): Reply {
  return { status, headers, json: fixtureJson('anthropic', `errors/${errorType}.json`) };
}

interface ErrorCase {
  name: string;
  status: number;
  headers?: Record<string, string>;
  body: unknown;
  outcome: unknown;
}

export interface Received {
  method: string;
  /** Path with query, as the request line had it. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (undefined when there was none). */
  body: unknown;
  /** The key the request carried, read from the provider's own key header. */
  key: string | undefined;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  /** A JSON body. */
  json?: unknown;
  /** An event-stream body, written in pieces of `pieceBytes` (default 7). */
  sse?: string;
  pieceBytes?: number;
}

export type Responder = (req: Received) => Reply;

export interface ProviderUpstream {
  readonly type: UpstreamType;
  /** What a profile's `base_url` is set to. */
  readonly baseUrl: string;
  readonly received: Received[];
  /** Requests carrying this key, oldest first. */
  callsFor(key: string): Received[];
  /** Every request with this key gets `reply` (the provider's opinion of the key). */
  forKey(key: string, reply: Reply | Responder): void;
  /** The next `times` requests, whatever their key, get `reply`; then the recorded answers resume. */
  next(reply: Reply | Responder, times?: number): void;
  /** Forgets requests and scripted replies. */
  reset(): void;
  close(): Promise<void>;
}

const KEY_HEADER: Record<UpstreamType, (h: IncomingHttpHeaders) => string | undefined> = {
  anthropic: (h) => single(h['x-api-key']),
  gemini: (h) => single(h['x-goog-api-key']),
  azure: (h) => single(h['api-key']),
  cohere: (h) => single(h.authorization)?.replace(/^Bearer /, ''),
};

/** What each provider answers by default, chosen from the request the way the real one would. */
const RECORDED: Record<UpstreamType, Responder> = {
  anthropic: anthropicAnswer,
  gemini: geminiAnswer,
  azure: azureAnswer,
  cohere: cohereAnswer,
};

export async function startProviderUpstream(type: UpstreamType): Promise<ProviderUpstream> {
  const received: Received[] = [];
  let byKey = new Map<string, Reply | Responder>();
  let queue: Array<{ reply: Reply | Responder; left: number }> = [];

  const server: Server = createServer((req, res) => {
    void readBody(req).then((text) => {
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      const request: Received = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
        key: KEY_HEADER[type](req.headers),
      };
      received.push(request);
      const scripted = (request.key !== undefined ? byKey.get(request.key) : undefined) ?? takeQueued();
      const reply = scripted ?? RECORDED[type];
      send(res, typeof reply === 'function' ? reply(request) : reply);
    });
  });

  function takeQueued(): Reply | Responder | undefined {
    const head = queue[0];
    if (!head) return undefined;
    if (--head.left <= 0) queue.shift();
    return head.reply;
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    type,
    baseUrl: `http://127.0.0.1:${port}`,
    received,
    callsFor: (key) => received.filter((r) => r.key === key),
    forKey: (key, reply) => void byKey.set(key, reply),
    next: (reply, times = 1) => void queue.push({ reply, left: times }),
    reset: () => {
      received.length = 0;
      byKey = new Map();
      queue = [];
    },
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

function send(res: ServerResponse, reply: Reply): void {
  const status = reply.status ?? 200;
  if (reply.sse === undefined) {
    res.writeHead(status, { 'content-type': 'application/json', ...reply.headers }).end(JSON.stringify(reply.json ?? {}));
    return;
  }
  res.writeHead(status, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...reply.headers });
  const bytes = Buffer.from(reply.sse);
  const size = reply.pieceBytes ?? 7;
  const write = (at: number): void => {
    if (res.destroyed) return;
    if (at >= bytes.length) return void res.end();
    res.write(bytes.subarray(at, at + size));
    setImmediate(() => write(at + size));
  };
  write(0);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (part: string) => (text += part));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

type Json = Record<string, unknown>;
const asJson = (value: unknown): Json => (value && typeof value === 'object' ? (value as Json) : {});

function notFound(message: string): Reply {
  return { status: 404, json: { error: { message } } };
}

/** A conversation whose last turn hands tool results back gets the final answer; one offering tools gets tool calls. */
function anthropicAnswer(req: Received): Reply {
  if (req.method === 'GET' && req.url.startsWith('/v1/models')) {
    return { json: { data: [{ type: 'model', id: 'claude-sonnet-4-5', display_name: 'Claude Sonnet 4.5' }], has_more: true } };
  }
  if (req.method !== 'POST' || req.url !== '/v1/messages') return anthropicError(404, 'not_found_error');
  const body = asJson(req.body);
  const messages = Array.isArray(body.messages) ? (body.messages as Json[]) : [];
  const last = messages[messages.length - 1];
  const answersTools = Array.isArray(last?.content) && (last.content as Json[]).some((b) => b.type === 'tool_result');
  const callTools = Array.isArray(body.tools) && !answersTools;
  if (body.stream === true) return { sse: fixtureText('anthropic', callTools ? 'tool-use.sse' : 'text.sse') };
  return { json: fixtureJson('anthropic', callTools ? 'tool-use.response.json' : 'text.response.json') };
}

function geminiAnswer(req: Received): Reply {
  if (req.method === 'GET' && req.url.startsWith('/v1beta/models?')) {
    return { json: { models: [{ name: 'models/gemini-2.0-flash' }], nextPageToken: 'next' } };
  }
  const match = /^\/v1beta\/models\/([^:/?]+):(generateContent|streamGenerateContent|embedContent|batchEmbedContents)(\?alt=sse)?$/.exec(
    req.url,
  );
  if (req.method !== 'POST' || !match) return { status: 404, json: { error: { code: 404, message: 'Not found', status: 'NOT_FOUND' } } };
  const method = match[2];
  if (method === 'embedContent') return { json: recordedUpstream('gemini', 'embeddings-single.response.json') };
  if (method === 'batchEmbedContents') return { json: recordedUpstream('gemini', 'embeddings-batch.response.json') };
  const body = asJson(req.body);
  const contents = Array.isArray(body.contents) ? (body.contents as Json[]) : [];
  const lastParts = (contents[contents.length - 1]?.parts as Json[] | undefined) ?? [];
  const callTools = Array.isArray(body.tools) && !lastParts.some((p) => p.functionResponse);
  if (method === 'streamGenerateContent')
    return { sse: fixtureText('gemini', callTools ? 'function-call.sse' : 'text.sse'), pieceBytes: 5 };
  return { json: recordedUpstream('gemini', callTools ? 'chat-function-call.response.json' : 'chat-answer.response.json') };
}

/** Azure speaks OpenAI's format, with its content-filter additions; a deployment is whatever the path names. */
function azureAnswer(req: Received): Reply {
  if (req.method === 'GET' && req.url.startsWith('/openai/models?api-version=')) return { json: { data: [], object: 'list' } };
  const match = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|embeddings)\?api-version=[^&]+$/.exec(req.url);
  if (req.method !== 'POST' || !match) return notFound('Resource not found');
  const body = asJson(req.body);
  const messages = Array.isArray(body.messages) ? (body.messages as Json[]) : [];
  const callTools = Array.isArray(body.tools) && messages[messages.length - 1]?.role !== 'tool';
  if (body.stream === true) return { sse: fixtureText('azure', callTools ? 'chat-stream-tools.sse' : 'chat-stream-text.sse') };
  return { json: fixtureJson('azure', callTools ? 'chat-tool-call.response.json' : 'chat-text.response.json') };
}

function cohereAnswer(req: Received): Reply {
  if (req.method === 'GET' && req.url.startsWith('/v1/models?'))
    return { json: { models: [{ name: 'command-a-03-2025' }], next_page_token: 'x' } };
  if (req.method !== 'POST') return notFound('Not Found');
  if (req.url === '/v2/embed') return { json: recordedUpstream('cohere', 'embeddings.response.json') };
  if (req.url !== '/v2/chat') return notFound('Not Found');
  const body = asJson(req.body);
  const messages = Array.isArray(body.messages) ? (body.messages as Json[]) : [];
  const callTools = Array.isArray(body.tools) && messages[messages.length - 1]?.role !== 'tool';
  if (body.stream === true) return { sse: fixtureText('cohere', callTools ? 'tool-call.sse' : 'text.sse') };
  return { json: recordedUpstream('cohere', callTools ? 'chat-tool-call.response.json' : 'chat-text.response.json') };
}
