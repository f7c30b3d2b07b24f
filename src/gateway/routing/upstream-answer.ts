import { isEventStream, type CallContext, type UpstreamResponse } from '@switchboard/providers';
import { answerAsChunks } from './answer-as-stream';
import type { RequestContext } from './request-context';
import type { Served, Streaming } from './route-result';
import type { RouteTarget } from './route-table';
import { openStream, readPrelude } from './stream-cursor';

/** An answer that came with a 2xx and is still the upstream's failure (not JSON, not a stream). */
export class UpstreamAnswerError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'UpstreamAnswerError';
  }
}

/**
 * Reads what must arrive before the client sees a byte: the whole body (mapped to OpenAI JSON when
 * the type needs it), or a stream's opening up to its first real chunk. Throws for an answer that
 * is the upstream's failure (unmappable JSON, an error event, a cut-off), so the caller fails over.
 */
export async function readAnswer(
  request: RequestContext,
  target: RouteTarget,
  call: CallContext,
  res: UpstreamResponse,
): Promise<Served | Streaming> {
  const { attempts } = request;
  const fingerprint = request.key;
  if (call.stream && isEventStream(res.headers['content-type'])) {
    const cursor = openStream(target, call, res.body);
    const pending = await readPrelude(cursor);
    request.firstChunkMs = performance.now() - request.startedAt;
    return { kind: 'streaming', target, fingerprint, ctx: call, status: res.status, headers: res.headers, attempts, pending, cursor };
  }
  const body = await readBody(res.body);
  const answer = target.passthrough && !call.stream ? undefined : mapAnswer(request, target, call, body);
  if (!call.stream) {
    return {
      kind: 'served',
      target,
      fingerprint,
      ctx: call,
      status: res.status,
      headers: res.headers,
      attempts,
      body,
      ...(answer ? { answer } : {}),
    };
  }
  // `stream: true` answered with plain JSON: the client still gets its answer, as a stream.
  const pending = answerAsChunks(answer);
  if (!pending) {
    throw new UpstreamAnswerError('not_a_stream', `answered stream: true with ${contentTypeOf(res.headers) ?? 'no content type'}`);
  }
  request.firstChunkMs = performance.now() - request.startedAt;
  const cursor = { ...openStream(target, call, EMPTY_BODY), finished: true };
  return { kind: 'streaming', target, fingerprint, ctx: call, status: res.status, headers: res.headers, attempts, pending, cursor };
}

/** A 2xx body as OpenAI JSON; a body that is not JSON or that the type's mapper rejects is the upstream's failure. */
function mapAnswer(request: RequestContext, target: RouteTarget, call: CallContext, body: Buffer): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new UpstreamAnswerError('malformed_answer', 'answered 2xx with a body that is not JSON');
  }
  if (target.passthrough || !target.provider.response) return parsed as Record<string, unknown>;
  try {
    return target.provider.response(request.op, parsed, call);
  } catch (error) {
    throw new UpstreamAnswerError(
      'malformed_answer',
      `answered 2xx with a body the ${target.profile.type} mapper rejects (${describeError(error)})`,
    );
  }
}

export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message.slice(0, 200)}` : String(error).slice(0, 200);
}

export function contentTypeOf(headers: UpstreamResponse['headers']): string | undefined {
  const type = headers['content-type'];
  return Array.isArray(type) ? type[0] : type;
}

/** The body of an answer already read whole (`stream: true` answered with JSON): nothing more to come. */
const EMPTY_BODY: UpstreamResponse['body'] = {
  async *[Symbol.asyncIterator]() {},
  text: async () => '',
  bytes: async () => new Uint8Array(),
};

async function readBody(body: UpstreamResponse['body']): Promise<Buffer> {
  const bytes = await body.bytes();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
