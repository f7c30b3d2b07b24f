import type { RequestContext } from './request-context';
import type { Attempt, Endpoint, RequestRecord, Usage } from './request-record';
import type { RequestTrace } from './request-trace';
import type { RouteResult } from './route-result';
import type { RoutingDeps } from './routing-deps';

/**
 * Hands a routed request's record to the observers, once, when its answer is complete (a stream
 * when its relay ended). No observers, no record: the request pays nothing.
 */
export function finishRequest(request: RequestContext, endpoint: Endpoint, result: RouteResult, status: number, requestId: string): void {
  const { observers } = request.deps;
  if (observers.length === 0) return;
  const served = result.kind === 'served' || result.kind === 'streaming' || result.kind === 'client_error' ? result : undefined;
  const usageSource =
    result.kind === 'served' ? (result.answer ?? result.body) : result.kind === 'streaming' ? request.lastChunk : undefined;
  const record = new FinishedRequest(
    requestId,
    request.client,
    endpoint,
    request.alias.name,
    request.stream,
    served?.target.name ?? null,
    served?.target.model ?? null,
    served?.fingerprint ?? null,
    status,
    request.attempts,
    performance.now() - request.startedAt,
    request.firstChunkMs,
    usageSource,
    request.trace ?? null,
  );
  deliverRecord(request.deps, record);
}

/** A request refused before routing (a malformed body, an unknown model): no alias, no attempts. */
export function finishRefused(
  deps: RoutingDeps,
  endpoint: Endpoint,
  status: number,
  requestId: string,
  startedAt: number,
  client: string | null = null,
  alias: string | null = null,
  trace: RequestTrace | null = null,
): void {
  if (deps.observers.length === 0) return;
  const latency = performance.now() - startedAt;
  deliverRecord(
    deps,
    new FinishedRequest(requestId, client, endpoint, alias, false, null, null, null, status, NO_ATTEMPTS, latency, null, undefined, trace),
  );
}

const NO_ATTEMPTS: readonly Attempt[] = Object.freeze([]);

/** Hands a record to every observer; one that throws is logged and never reaches the client. */
export function deliverRecord(deps: RoutingDeps, record: RequestRecord): void {
  for (const observer of deps.observers) {
    try {
      observer.requestFinished(record);
    } catch (error) {
      deps.warn(`a request observer failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

class FinishedRequest implements RequestRecord {
  private usageRead = false;
  private usageFound: Usage | null = null;
  private modelRead = false;
  private modelFound: string | null = null;

  constructor(
    readonly requestId: string,
    readonly client: string | null,
    readonly endpoint: Endpoint,
    readonly alias: string | null,
    readonly stream: boolean,
    readonly profile: string | null,
    readonly model: string | null,
    readonly key: string | null,
    readonly status: number,
    readonly attempts: readonly Attempt[],
    readonly latencyMs: number,
    readonly firstTokenMs: number | null,
    /** The answer the usage is read from: mapped JSON, passthrough bytes, or a stream's last chunk. */
    private readonly answer: unknown,
    readonly trace: RequestTrace | null,
  ) {}

  get usage(): Usage | null {
    if (!this.usageRead) {
      this.usageRead = true;
      this.usageFound = usageOf(this.answer);
    }
    return this.usageFound;
  }

  get responseModel(): string | null {
    if (!this.modelRead) {
      this.modelRead = true;
      this.modelFound = modelOf(this.answer);
    }
    return this.modelFound;
  }

  /** What a log line or a message carries: the record's fields, usage read, the answer left out. */
  toJSON(): Omit<RequestRecord, 'responseModel' | 'trace'> {
    const { requestId, client, endpoint, alias, stream, profile, model, key, status, attempts, latencyMs, firstTokenMs, usage } = this;
    return { requestId, client, endpoint, alias, stream, profile, model, key, status, attempts, latencyMs, firstTokenMs, usage };
  }
}

/**
 * The answer's `usage`. Passthrough bytes are not parsed whole: OpenAI-compatible servers put
 * `usage` after the choices, so it is looked for from the end and only its object is parsed.
 */
export function usageOf(answer: unknown): Usage | null {
  if (Buffer.isBuffer(answer)) return usageOfBytes(answer);
  if (typeof answer === 'string') return usageValue(parseObject(answer)?.usage);
  if (typeof answer === 'object' && answer !== null) return usageValue((answer as { usage?: unknown }).usage);
  return null;
}

/** The answer's `model`: OpenAI-compatible bodies name it near their start, so passthrough bytes are searched from there. */
export function modelOf(answer: unknown): string | null {
  let model: unknown;
  if (Buffer.isBuffer(answer)) model = /"model"\s*:\s*("(?:[^"\\]|\\.)*")/.exec(answer.toString('utf8', 0, 4096))?.[1];
  else if (typeof answer === 'string') model = parseObject(answer)?.model;
  else if (typeof answer === 'object' && answer !== null) model = (answer as { model?: unknown }).model;
  if (typeof model === 'string' && model.startsWith('"')) model = parseString(model);
  return typeof model === 'string' && model !== '' ? model : null;
}

function parseString(text: string): string | undefined {
  try {
    return JSON.parse(text) as string;
  } catch {
    return undefined;
  }
}

/** Made once: searching with a string needle encodes it into bytes on every call. */
const USAGE_KEY = Buffer.from('"usage"');

/** The usage of passthrough bytes: its object found from the end, read flat when it is, else parsed. */
function usageOfBytes(body: Buffer): Usage | null {
  const span = usageSpan(body);
  if (span === undefined) return null;
  const [open, close] = span;
  return flatUsage(body, open, close) ?? usageValue(parseObject(body.toString('utf8', open, close + 1)));
}

/** Where the answer's last `usage` object starts and ends (its braces), when it has one. */
function usageSpan(body: Buffer): [number, number] | undefined {
  let at = body.lastIndexOf(USAGE_KEY);
  while (at > 0 && body[at - 1] === 0x5c /* a quoted "usage" inside a string */) at = body.lastIndexOf(USAGE_KEY, at - 1);
  if (at < 0) return undefined;
  // `"usage"`, then `:` and `{` with only blanks between (a null usage has no object to read).
  let open = at + 7;
  while (open < body.length && body[open] !== 0x3a /* : */ && body[open] <= 0x20) open++;
  if (body[open++] !== 0x3a) return undefined;
  while (open < body.length && body[open] <= 0x20) open++;
  if (body[open] !== 0x7b /* { */) return undefined;
  let depth = 0;
  for (let i = open; i < body.length; i++) {
    if (body[i] === 0x7b) depth++;
    else if (body[i] === 0x7d && --depth === 0) return [open, i];
  }
  return undefined;
}

/**
 * The usage of a flat object written without blanks, `{"prompt_tokens":12,"completion_tokens":40,...}`,
 * read straight from the bytes: decoding it and `JSON.parse` cost about 5k instructions a request.
 * Only plain keys (a–z, _) with whole numbers of up to 15 digits are read here; anything else (a
 * blank, a nested details object, null, an escape, a leading zero, which JSON refuses) answers
 * undefined and the object is parsed as JSON, so both ways read the same usage.
 */
function flatUsage(body: Buffer, open: number, close: number): Usage | null | undefined {
  let prompt: number | undefined;
  let completion: number | undefined;
  let total: number | undefined;
  let i = open + 1;
  if (i === close) return undefined;
  for (;;) {
    if (body[i++] !== 0x22 /* " */) return undefined;
    const keyStart = i;
    while (i < close && ((body[i] >= 0x61 && body[i] <= 0x7a) || body[i] === 0x5f)) i++;
    const keyEnd = i;
    if (keyEnd === keyStart || body[i++] !== 0x22 || body[i++] !== 0x3a /* : */) return undefined;
    const digitsStart = i;
    let value = 0;
    while (i < close && body[i] >= 0x30 && body[i] <= 0x39) value = value * 10 + (body[i++] - 0x30);
    const digits = i - digitsStart;
    if (digits === 0 || digits > 15 || (digits > 1 && body[digitsStart] === 0x30)) return undefined;
    if (keyIs(body, keyStart, keyEnd, PROMPT_TOKENS)) prompt = value;
    else if (keyIs(body, keyStart, keyEnd, COMPLETION_TOKENS)) completion = value;
    else if (keyIs(body, keyStart, keyEnd, TOTAL_TOKENS)) total = value;
    if (i === close) break;
    if (body[i++] !== 0x2c /* , */) return undefined;
  }
  return usageValue({ prompt_tokens: prompt, completion_tokens: completion, total_tokens: total });
}

const PROMPT_TOKENS = Buffer.from('prompt_tokens');
const COMPLETION_TOKENS = Buffer.from('completion_tokens');
const TOTAL_TOKENS = Buffer.from('total_tokens');

function keyIs(body: Buffer, start: number, end: number, key: Buffer): boolean {
  if (end - start !== key.length) return false;
  for (let j = 0; j < key.length; j++) if (body[start + j] !== key[j]) return false;
  return true;
}

function parseObject(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function usageValue(value: unknown): Usage | null {
  if (typeof value !== 'object' || value === null) return null;
  const { prompt_tokens, completion_tokens, total_tokens } = value as Record<string, unknown>;
  if (typeof prompt_tokens !== 'number') return null;
  const completion = typeof completion_tokens === 'number' ? completion_tokens : 0;
  return {
    prompt_tokens,
    completion_tokens: completion,
    total_tokens: typeof total_tokens === 'number' ? total_tokens : prompt_tokens + completion,
  };
}
