import type { IncomingMessage, Server } from 'node:http';
import { connect } from 'node:net';
import { CapturingLogger } from '../../support/capturing-logger';
import type { StartedGateway } from '../../support/start-gateway';
import { reply, startScriptedUpstream, type ScriptedUpstream } from '../../support/scripted-upstream';
import { chat, gatewayFor, post, storedEvents, streamed } from '../routing/routing-helpers';

const user = [{ role: 'user', content: 'hello' }];

describe('/v1 request surface', () => {
  let upstream: ScriptedUpstream;
  let gw: StartedGateway;

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    // A zero error cool-down: the one test that needs a 503 leaves the key usable for the next.
    gw = await gatewayFor(
      upstream,
      { p1: ['sk-surface-a'] },
      { routing: { error_cooldown_ms: 0 }, extra: { server: { body_limit_bytes: 4096 } } },
    );
  });
  beforeEach(() => upstream.clear());
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  describe('bad input gets a clear 4xx, calls no upstream, and the server keeps serving', () => {
    const send = (body: unknown, path = 'chat/completions') => post(`${gw.url}/v1/${path}`, body);

    it.each<[string, unknown, string | null]>([
      ['a body that is not an object', [user], null],
      ['a string body', '"hello"', null],
      ['no model', { messages: user }, 'model'],
      ['a model that is not a string', { model: 7, messages: user }, 'model'],
      ['no messages', { model: 'main' }, 'messages'],
      ['messages that are not an array', { model: 'main', messages: 'hello' }, 'messages'],
      ['an empty messages array', { model: 'main', messages: [] }, 'messages'],
      ['a message that is not an object', { model: 'main', messages: ['hello'] }, 'messages[0]'],
      ['a message without a role', { model: 'main', messages: [{ content: 'x' }] }, 'messages[0].role'],
      ['an unknown role', { model: 'main', messages: [{ role: 'wizard', content: 'x' }] }, 'messages[0].role'],
      ['a user message without content', { model: 'main', messages: [{ role: 'user' }] }, 'messages[0].content'],
      ['content that is an object', { model: 'main', messages: [{ role: 'user', content: { a: 1 } }] }, 'messages[0].content'],
      ['content that is a number', { model: 'main', messages: [{ role: 'user', content: 5 }] }, 'messages[0].content'],
      ['a null content part', { model: 'main', messages: [{ role: 'user', content: [null] }] }, 'messages[0].content[0]'],
      [
        'a content part without a type',
        { model: 'main', messages: [{ role: 'user', content: [{ text: 'x' }] }] },
        'messages[0].content[0].type',
      ],
      [
        'a text part whose text is not a string',
        { model: 'main', messages: [{ role: 'user', content: [{ type: 'text', text: 5 }] }] },
        'messages[0].content[0].text',
      ],
      ['a null tool', { model: 'main', messages: user, tools: [null] }, 'tools[0]'],
      ['a function tool without its function', { model: 'main', messages: user, tools: [{ type: 'function' }] }, 'tools[0].function'],
      [
        'an empty tool call',
        { model: 'main', messages: [{ role: 'assistant', content: null, tool_calls: [{}] }] },
        'messages[0].tool_calls[0].function',
      ],
      ['a tool message without tool_call_id', { model: 'main', messages: [{ role: 'tool', content: '42' }] }, 'messages[0].tool_call_id'],
      ['a temperature that is not a number', { model: 'main', messages: user, temperature: 'hot' }, 'temperature'],
      ['a stream flag that is not a boolean', { model: 'main', messages: user, stream: 'yes' }, 'stream'],
      ['max_tokens that is not a positive integer', { model: 'main', messages: user, max_tokens: -1 }, 'max_tokens'],
      // OpenAI names the field that is missing, not its parent.
      ['a tool_choice naming no function', { model: 'main', messages: user, tool_choice: { type: 'function' } }, 'tool_choice.function'],
    ])('400 for %s', async (_what, body, param) => {
      const res = await send(body);
      expect(res.status).toBe(400);
      expect(res.json.error).toMatchObject({ type: 'invalid_request_error', param });
      expect(typeof res.json.error.message).toBe('string');
      expect(res.headers.get('x-switchboard-attempts')).toBe('0');
      expect(upstream.requests).toHaveLength(0);
      expect((await chat(gw)).status).toBe(200);
    });

    it.each<[string, string, unknown, string]>([
      ['a completion without a prompt', 'completions', { model: 'main' }, 'prompt'],
      ['an embedding input of nulls', 'embeddings', { model: 'main', input: [null] }, 'input'],
      ['an empty embedding input', 'embeddings', { model: 'main', input: '' }, 'input'],
    ])('400 for %s', async (_what, path, body, param) => {
      const res = await send(body, path);
      expect(res.status).toBe(400);
      expect(res.json.error.param).toBe(param);
      expect(upstream.requests).toHaveLength(0);
    });

    it('400 for malformed JSON, without echoing it', async () => {
      const res = await send('{"model": "main", "messages": [');
      expect(res.status).toBe(400);
      expect(res.json.error.type).toBe('invalid_request_error');
      expect(upstream.requests).toHaveLength(0);
      expect((await chat(gw)).status).toBe(200);
    });

    it('413 for a body over server.body_limit_bytes', async () => {
      const res = await send({ model: 'main', messages: [{ role: 'user', content: 'x'.repeat(8_000) }] });
      expect(res.status).toBe(413);
      expect(res.json.error).toMatchObject({ code: 'request_too_large' });
      expect(upstream.requests).toHaveLength(0);
      expect((await chat(gw)).status).toBe(200);
    });

    it('404 model_not_found for an unknown alias', async () => {
      const res = await send({ model: 'gpt-nope', messages: user });
      expect(res.status).toBe(404);
      expect(res.json.error).toMatchObject({ code: 'model_not_found', param: 'model' });
      expect(upstream.requests).toHaveLength(0);
    });

    it('appends nothing to the event store for any of it', async () => {
      const before = await storedEvents(gw);
      await send({ model: 'main', messages: [{ role: 'user', content: [null] }] });
      await send('not json');
      expect(await storedEvents(gw)).toEqual(before);
    });
  });

  describe('x-request-id', () => {
    it('echoes the client’s id on a JSON answer, an SSE answer and an error answer', async () => {
      const json = await chat(gw, {}, { 'x-request-id': 'req-json-1' });
      expect(json.headers.get('x-request-id')).toBe('req-json-1');
      const sse = await chat(gw, { stream: true }, { 'x-request-id': 'req-sse-1' });
      expect(sse.headers.get('content-type')).toContain('text/event-stream');
      expect(sse.headers.get('x-request-id')).toBe('req-sse-1');
      const bad = await post(`${gw.url}/v1/chat/completions`, { model: 'main' }, { 'x-request-id': 'req-err-1' });
      expect(bad.status).toBe(400);
      expect(bad.headers.get('x-request-id')).toBe('req-err-1');
      upstream.fallback(reply.serverError(500));
      const exhausted = await chat(gw, {}, { 'x-request-id': 'req-err-2' });
      expect(exhausted.status).toBe(503);
      expect(exhausted.headers.get('x-request-id')).toBe('req-err-2');
    });

    it('echoes it on answers the body parser gives before any route runs: malformed JSON and an oversized body', async () => {
      const malformed = await post(`${gw.url}/v1/chat/completions`, '{"model": "main", ', { 'x-request-id': 'req-parse-1' });
      expect(malformed.status).toBe(400);
      expect(malformed.headers.get('x-request-id')).toBe('req-parse-1');
      const big = await post(
        `${gw.url}/v1/chat/completions`,
        { model: 'main', messages: [{ role: 'user', content: 'x'.repeat(8000) }] },
        {
          'x-request-id': 'req-size-1',
        },
      );
      expect(big.status).toBe(413);
      expect(big.headers.get('x-request-id')).toBe('req-size-1');
    });

    it('echoes it on the 401 of a gateway that wants a client key', async () => {
      const guarded = await gatewayFor(upstream, { p1: ['sk-surface-b'] }, { extra: { auth: { client_keys: ['sb-client-1'] } } });
      try {
        const refused = await post(
          `${guarded.url}/v1/chat/completions`,
          { model: 'main', messages: user },
          { 'x-request-id': 'req-auth-1' },
        );
        expect(refused.status).toBe(401);
        expect(refused.headers.get('x-request-id')).toBe('req-auth-1');
      } finally {
        await guarded.close();
      }
    });

    it('makes one up when the client sends none, a different one per request', async () => {
      const ids = [
        (await chat(gw)).headers.get('x-request-id'),
        (await chat(gw, { stream: true })).headers.get('x-request-id'),
        (await chat(gw, { model: 'nope' })).headers.get('x-request-id'),
      ];
      for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(new Set(ids).size).toBe(3);
    });
  });

  it('passes request fields it does not know to the upstream untouched (only model is the chain’s)', async () => {
    const body = {
      model: 'main',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'weather?' }], name: 'ada' },
      ],
      tools: [
        { type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
      ],
      tool_choice: 'auto',
      response_format: { type: 'json_schema', json_schema: { name: 'w', schema: { type: 'object' } } },
      logprobs: true,
      top_logprobs: 2,
      seed: 7,
      vendor_extension: { routing: ['fast'], nested: { keep: null } },
    };
    const res = await post(`${gw.url}/v1/chat/completions`, body);
    expect(res.status).toBe(200);
    expect(upstream.requests[0].body).toEqual({ ...body, model: 'p1-model' });
    expect(streamed(await post(`${gw.url}/v1/chat/completions`, { ...body, stream: true })).done).toBe(true);
    // A stream also asks for its usage chunk, on the client's behalf (its tokens are the request's record).
    expect(upstream.requests[1].body).toEqual({ ...body, model: 'p1-model', stream: true, stream_options: { include_usage: true } });
  });
});

describe('/v1 with client keys', () => {
  let upstream: ScriptedUpstream;
  let gw: StartedGateway;

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    gw = await gatewayFor(upstream, { p1: ['sk-upstream-only'] }, { extra: { auth: { client_keys: ['client-secret-123'] } } });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  it.each([
    ['Authorization: Bearer', { authorization: 'Bearer client-secret-123' }],
    ['x-api-key', { 'x-api-key': 'client-secret-123' }],
  ])('never forwards the client’s own key (%s) upstream: the upstream sees the profile’s key only', async (_how, headers) => {
    upstream.clear();
    expect((await chat(gw, {}, headers)).status).toBe(200);
    expect((await chat(gw, { stream: true }, headers)).status).toBe(200);
    for (const request of upstream.requests) {
      expect(request.headers.authorization).toBe('Bearer sk-upstream-only');
      expect(request.headers['x-api-key']).toBeUndefined();
      expect(JSON.stringify(request.headers)).not.toContain('client-secret-123');
      expect(JSON.stringify(request.body)).not.toContain('client-secret-123');
    }
  });

  it('still answers 401 without a client key, calling no upstream', async () => {
    upstream.clear();
    expect((await chat(gw)).status).toBe(401);
    expect(upstream.requests).toHaveLength(0);
  });
});

describe('/v1 in front of a translating provider', () => {
  let upstream: ScriptedUpstream;
  let gw: StartedGateway;

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    gw = await gatewayFor(
      upstream,
      { p1: ['sk-tr-a'], p2: ['sk-tr-b'] },
      { profiles: { p1: { type: 'anthropic', base_url: upstream.url } } },
    );
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  it('answers 400 naming the field a mapper cannot translate, calling no upstream of the chain, and keeps serving', async () => {
    const call = { type: 'function', function: { name: 'weather', arguments: '{}' } }; // no id: Anthropic needs one
    const res = await post(`${gw.url}/v1/chat/completions`, {
      model: 'main',
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: null, tool_calls: [call] },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ type: 'invalid_request_error', param: 'messages[1].tool_calls[0].id', code: 'invalid_request' });
    expect(upstream.requests).toHaveLength(0);
    expect((await post(`${gw.url}/v1/embeddings`, { model: 'main', input: 'x' })).status).toBe(200);
  });
});

describe('/v1 when a client hangs up while sending its body', () => {
  const logger = new CapturingLogger();
  let upstream: ScriptedUpstream;
  let gw: StartedGateway;

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    gw = await gatewayFor(upstream, { p1: ['sk-hangup-a'] }, { logger });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  it('logs no error for it, calls no upstream, and keeps serving', async () => {
    const { port } = new URL(gw.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    const partial = '{"model":"main","messages":[{"role":"user","content":"';
    const server = gw.app.getHttpServer() as Server;
    const received = new Promise<IncomingMessage>((resolve) => server.once('request', resolve));
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n${partial}`,
    );
    const request = await received; // the gateway has the request in hand, its body still coming
    const aborted = new Promise((resolve) => request.once('close', resolve));
    socket.destroy(); // and meets Node's "aborted"
    await aborted;
    // An error it logged for the hang-up would be written before a later request is answered.
    expect((await chat(gw)).status).toBe(200);
    expect(upstream.requests).toHaveLength(1);
    expect(logger.lines.filter((line) => line.startsWith('error'))).toEqual([]);
  });
});
