import type { LoggerService } from '@nestjs/common';
import { fingerprint } from '@switchboard/domain';
import { createEventStore, type RecordedEvent } from '@switchboard/event-store';
import { startGateway, type StartedGateway } from '../../support/start-gateway';
import type { Clock } from '../../../src/gateway/tokens';
import { reply, startScriptedUpstream, type Behaviour, type ScriptedUpstream } from '../../support/scripted-upstream';

export { waitFor } from '../../support/eventually';

export { fingerprint };

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/**
 * Keeper on (its restore timer and circuit half-opening are part of what a user sees) but with
 * probes far in the future, so no probe takes a scripted answer meant for a request.
 */
/** A file's scripted upstream and its current test's gateway (see `scriptedUpstreamPerFile`). */
export interface RoutingFixture {
  readonly upstream: ScriptedUpstream;
  /** The gateway a test started: closed after the test. */
  gw: StartedGateway | undefined;
}

/**
 * The set-up the routing specs share: one scripted upstream for the whole file (started before
 * it, closed after it) and a gateway per test, closed after each test with the upstream's script
 * cleared, so no test's keys or answers leak into the next.
 */
export function scriptedUpstreamPerFile(): RoutingFixture {
  let upstream: ScriptedUpstream | undefined;
  const fixture = {
    get upstream(): ScriptedUpstream {
      if (!upstream) throw new Error('the scripted upstream starts in beforeAll: read it inside a test');
      return upstream;
    },
    gw: undefined as StartedGateway | undefined,
  };
  beforeAll(async () => {
    upstream = await startScriptedUpstream();
  });
  afterEach(async () => {
    await fixture.gw?.close();
    fixture.gw = undefined;
    upstream?.clear();
  });
  afterAll(async () => {
    await upstream?.close();
  });
  return fixture;
}

/**
 * The first call the upstream receives, whatever its key, misbehaves as told; every later call
 * answers normally. Which key is picked first is the key pool's business (LRU), so tests read it
 * from the upstream's requests.
 */
export function firstCallThen(upstream: ScriptedUpstream, first: Behaviour): void {
  let calls = 0;
  upstream.fallback(reply.fn(() => (calls++ === 0 ? first : reply.auto())));
}

export const QUIET_KEEPER = { enabled: true, probe_interval_ms: 3_600_000, restore_check_ms: 50 };

/**
 * One gateway in front of the scripted upstream: `profiles` maps profile name → its keys;
 * `profile` overrides fields of every profile (`timeout_ms`, `type`, ...), `profiles` of one.
 */
export async function gatewayFor(
  upstream: ScriptedUpstream,
  profiles: Record<string, string[]>,
  opts: {
    chain?: string[];
    routing?: Record<string, unknown>;
    extra?: Record<string, unknown>;
    profile?: Record<string, unknown>;
    profiles?: Record<string, Record<string, unknown>>;
    logger?: LoggerService;
    clock?: Clock;
  } = {},
): Promise<StartedGateway> {
  const providers = Object.fromEntries(
    Object.entries(profiles).map(([name, keys]) => [
      name,
      {
        type: 'openai',
        base_url: upstream.baseUrl,
        keys,
        timeout_ms: 2_000,
        connect_timeout_ms: 2_000,
        ...opts.profile,
        ...opts.profiles?.[name],
      },
    ]),
  );
  const chain = (opts.chain ?? Object.keys(profiles)).map((provider) => ({ provider, model: `${provider}-model` }));
  return startGateway({
    config: {
      keeper: QUIET_KEEPER,
      routing: { retries: { max_attempts: 1 }, ...opts.routing },
      providers,
      models: { main: { chain } },
      ...opts.extra,
    },
    logger: opts.logger,
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
}

export async function post(url: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Answer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal,
  });
  return answer(res);
}

export async function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return answer(await fetch(url, { headers }));
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export function chat(gw: StartedGateway, extra: Record<string, unknown> = {}, headers?: Record<string, string>): Promise<Answer> {
  return post(`${gw.url}/v1/chat/completions`, { model: 'main', messages: [{ role: 'user', content: 'hello' }], ...extra }, headers);
}

/** The `data:` payloads of an SSE body, in order (`[DONE]` included as it is). */
export function sseData(text: string): string[] {
  return text
    .split(/\n\n/)
    .map((frame) =>
      frame
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trimStart())
        .join('\n'),
    )
    .filter((data) => data !== '');
}

/** A streamed answer read as a client reads it: its chunks, the error event if any, whether `[DONE]` came. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON, read field by field in the tests
export function streamed(answer: Answer): { chunks: any[]; error?: any; done: boolean; content: string } {
  const data = sseData(answer.text);
  const events = data.filter((d) => d !== '[DONE]').map((d) => JSON.parse(d));
  const chunks = events.filter((e) => e.error === undefined);
  const error = events.find((e) => e.error !== undefined)?.error;
  const content = chunks.map((c) => c.choices?.[0]?.delta?.content ?? c.choices?.[0]?.text ?? '').join('');
  return { chunks, done: data.at(-1) === '[DONE]', content, ...(error ? { error } : {}) };
}

/** Every event in the gateway's store, read through a second connection to its SQLite file. */
export async function storedEvents(gw: StartedGateway, stream?: string): Promise<RecordedEvent[]> {
  const store = createEventStore(`sqlite:${gw.storePath}`);
  try {
    if (stream) return await store.readStream(stream);
    const all: RecordedEvent[] = [];
    for await (const event of store.readAll()) all.push(event);
    return all;
  } finally {
    await store.close();
  }
}

export async function keyHistory(gw: StartedGateway, secret: string): Promise<Array<{ type: string; data: Record<string, unknown> }>> {
  const res = await get(`${gw.url}/admin/keys/${fingerprint(secret)}/history`);
  if (res.status !== 200) throw new Error(`history of ${fingerprint(secret)}: ${res.status} ${res.text}`);
  return res.json.events;
}

export async function keyState(gw: StartedGateway, secret: string): Promise<{ state: string; until?: string; reason?: string }> {
  const res = await get(`${gw.url}/admin/keys`);
  const key = (res.json.keys as Array<{ fingerprint: string; state: string }>).find((k) => k.fingerprint === fingerprint(secret));
  if (!key) throw new Error(`key ${fingerprint(secret)} not listed`);
  return key;
}

export async function providerState(gw: StartedGateway, name: string): Promise<{ circuit: string; until?: string; enabled: boolean }> {
  const res = await get(`${gw.url}/admin/providers`);
  const view = (res.json.providers as Array<{ name: string; circuit: string; enabled: boolean }>).find((p) => p.name === name);
  if (!view) throw new Error(`provider ${name} not listed`);
  return view;
}
