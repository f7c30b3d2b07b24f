import { connect } from 'node:net';
import { startGateway, type StartedGateway } from '../../support/start-gateway';

/** Sends `text` as it is on a fresh connection and returns everything the gateway writes back. */
function rawExchange(url: string, text: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(Number(new URL(url).port), '127.0.0.1', () => socket.write(text));
    let received = '';
    socket.on('data', (piece) => (received += piece.toString('utf8')));
    socket.on('close', () => resolve(received));
    socket.on('error', () => resolve(received));
  });
}

/** The status and JSON body of a raw HTTP answer. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON, read field by field
function parseAnswer(raw: string): { status: number; body: any } {
  const [head, body] = raw.split('\r\n\r\n');
  return { status: Number(head.split(' ')[1]), body: JSON.parse(body) };
}

describe('every error in the API’s shape, Fastify’s and Node’s own included', () => {
  let gw: StartedGateway;
  const chatBody = (extra: string) => `{"model":"main","messages":[{"role":"user","content":"hi"}]${extra}}`;
  const post = (path: string, body: string) =>
    fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  beforeAll(async () => {
    gw = await startGateway({
      config: {
        providers: { mock_main: { type: 'mock', keys: ['sk-wire-errors-0001'] } },
        models: { main: { chain: [{ provider: 'mock_main', model: 'mock-1' }] } },
      },
    });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it.each(['/v1/models', '/admin/keys'])('answers headers too large for %s with a 431 in the OpenAI shape', async (path) => {
    const answer = parseAnswer(await rawExchange(gw.url, `GET ${path} HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`));
    expect(answer.status).toBe(431);
    expect(answer.body).toEqual({
      error: { message: expect.any(String), type: 'invalid_request_error', param: null, code: 'headers_too_large' },
    });
  });

  it.each([
    ['a header line without a colon', 'GET /v1/models HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'],
    ['a request line that is not HTTP', 'HELLO\r\n\r\n'],
  ])('answers malformed HTTP (%s) with a 400 in the OpenAI shape', async (_what, text) => {
    const answer = parseAnswer(await rawExchange(gw.url, text));
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      error: { message: expect.any(String), type: 'invalid_request_error', param: null, code: 'malformed_request' },
    });
  });

  it.each([
    ['/v1/chat/completions', 'an array', chatBody(`,"metadata":${'['.repeat(100_000)}${']'.repeat(100_000)}`)],
    ['/v1/chat/completions', 'an object', chatBody(`,"metadata":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`)],
    ['/admin/providers/mock_main/disable', 'an object', `{"reason":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`],
  ])('answers %s with %s nested 100,000 deep with a 400, no RangeError', async (path, _what, body) => {
    const res = await post(path, body);
    const text = await res.text();
    expect(res.status).toBe(400);
    expect(JSON.parse(text)).toEqual({
      error: { message: expect.any(String), type: 'invalid_request_error', param: null, code: 'json_too_deep' },
    });
    expect(text).not.toMatch(/RangeError|call stack/i);
  });

  it('still takes a body nested as deep as a real request goes', async () => {
    const schema = `${'{"type":"object","properties":{"x":'.repeat(40)}{"type":"string"}${'}}'.repeat(40)}`;
    const res = await post(
      '/v1/chat/completions',
      chatBody(`,"tools":[{"type":"function","function":{"name":"f","parameters":${schema}}}]`),
    );
    expect(res.status).toBe(200);
  });

  it.each([
    ['n', ',"n":1e9'],
    ['n', ',"n":0'],
    ['temperature', ',"temperature":2.5'],
    ['top_p', ',"top_p":1.5'],
    ['presence_penalty', ',"presence_penalty":-3'],
    ['frequency_penalty', ',"frequency_penalty":9'],
    ['top_logprobs', ',"top_logprobs":21'],
  ])('answers %s out of OpenAI’s bounds (%s) with a 400 naming it', async (param, extra) => {
    const res = await post('/v1/chat/completions', chatBody(extra));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: { message: expect.stringContaining(`'${param}'`), type: 'invalid_request_error', param, code: null },
    });
  });

  it('takes n at its bound', async () => {
    expect((await post('/v1/chat/completions', chatBody(',"n":128'))).status).toBe(200);
  });
});
