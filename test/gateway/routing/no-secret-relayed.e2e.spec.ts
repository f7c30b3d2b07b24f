import {
  chatChunks,
  chatCompletion,
  reply,
  startScriptedUpstream,
  type RecordedRequest,
  type ScriptedUpstream,
} from '../../support/scripted-upstream';
import type { StartedGateway } from '../../support/start-gateway';
import { chat, fingerprint, gatewayFor, streamed, type Answer } from './routing-helpers';

/**
 * Keys a pattern would not catch (no `sk-` prefix, under 32 characters): only knowing the
 * profile's keys finds them in an upstream's words.
 */
const SERVING = 'proxy-token-7f3a9b2c';
const OTHER = 'proxy-token-1d8e4c60';
const SECRETS = [SERVING, OTHER];

/** What the upstream was sent as its key: the Authorization header's value, `Bearer <key>`. */
const authorization = (request: RecordedRequest) => String(request.headers.authorization);
/** An upstream (or a proxy before it) that echoes the credential it received, and another key it knows. */
const echo = (request: RecordedRequest) => `Credential ${authorization(request)} is not allowed here (also tried ${OTHER}).`;
const ECHO_HEADERS = (request: RecordedRequest) => ({ 'x-echo-authorization': authorization(request), 'x-upstream-key': SERVING });

/** Everything a client can read of an answer: status line aside, every header and the whole body. */
function whatTheClientSees(answer: Answer): string {
  return `${[...answer.headers.entries()].map(([name, value]) => `${name}: ${value}`).join('\n')}\n\n${answer.text}`;
}

describe('no upstream secret reaches a client', () => {
  let upstream: ScriptedUpstream;
  let gw: StartedGateway;

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    gw = await gatewayFor(upstream, { openai_main: SECRETS });
  });
  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
  });
  beforeEach(() => upstream.clear());

  const expectScrubbed = (answer: Answer) => {
    const seen = whatTheClientSees(answer);
    for (const secret of SECRETS) expect({ leaked: seen.includes(secret) }).toEqual({ leaked: false });
  };

  it('scrubs a 400 JSON body that echoes the Authorization value, naming the key by its fingerprint', async () => {
    upstream.fallback(reply.fn((r) => reply.json({ error: { message: echo(r), type: 'invalid_request_error' } }, 400, ECHO_HEADERS(r))));
    const answer = await chat(gw);

    expect(answer.status).toBe(400);
    expect(upstream.requests.length).toBeGreaterThan(0);
    const served = fingerprint(upstream.requests[0].key);
    expect(answer.json.error.message).toContain(`Bearer ${served}`);
    expect(answer.json.error.message).toContain(fingerprint(OTHER));
    expectScrubbed(answer);
  });

  it('scrubs a 404 text body that echoes it', async () => {
    upstream.fallback(
      reply.fn((r) => ({ kind: 'json', status: 404, body: echo(r), headers: { 'content-type': 'text/plain', ...ECHO_HEADERS(r) } })),
    );
    const answer = await chat(gw);

    expect(answer.status).toBe(404);
    expect(answer.text).toContain(fingerprint(upstream.requests[0].key));
    expectScrubbed(answer);
  });

  it('scrubs an error event that echoes it before the first chunk of a stream (answered as JSON)', async () => {
    upstream.fallback(
      reply.fn((r) => ({
        kind: 'sse',
        events: [{ error: { message: echo(r), type: 'invalid_request_error', code: 400 } }],
        done: false,
        headers: ECHO_HEADERS(r),
      })),
    );
    const answer = await chat(gw, { stream: true });

    expect(answer.status).toBe(400);
    expect(answer.text).toContain(fingerprint(upstream.requests[0].key));
    expectScrubbed(answer);
  });

  it('scrubs an error event that echoes it in the middle of a stream', async () => {
    upstream.fallback(
      reply.fn((r) => ({
        kind: 'sse',
        events: [
          ...chatChunks(['partial ', 'answer '], 'm').slice(0, 3),
          { error: { message: echo(r), type: 'invalid_request_error', code: 400 } },
        ],
        done: false,
        headers: ECHO_HEADERS(r),
      })),
    );
    const answer = await chat(gw, { stream: true });

    expect(answer.status).toBe(200);
    const { content, error, done } = streamed(answer);
    expect(content).toBe('partial answer ');
    expect(done).toBe(false);
    expect(error.message).toContain(fingerprint(upstream.requests[0].key));
    expectScrubbed(answer);
  });

  it('relays no upstream header of a successful answer (JSON and stream)', async () => {
    upstream.fallback(reply.fn((r) => reply.json(chatCompletion('m', 'fine'), 200, ECHO_HEADERS(r))));
    const json = await chat(gw);
    expect(json.status).toBe(200);
    expectScrubbed(json);

    upstream.fallback(
      reply.fn((r) => ({ kind: 'sse', events: [...chatChunks(['ok'], 'm'), '[DONE]'], done: false, headers: ECHO_HEADERS(r) })),
    );
    const stream = await chat(gw, { stream: true });
    expect(streamed(stream)).toMatchObject({ content: 'ok', done: true });
    expect(stream.headers.get('x-echo-authorization')).toBeNull();
    expectScrubbed(stream);
  });
});
