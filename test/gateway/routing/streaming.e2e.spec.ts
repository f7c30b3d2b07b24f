import { chatChunks, chatCompletion, reply, type Behaviour } from '../../support/scripted-upstream';
import {
  chat,
  fingerprint,
  gatewayFor,
  keyHistory,
  keyState,
  post,
  storedEvents,
  streamed,
  waitFor,
  scriptedUpstreamPerFile,
  firstCallThen,
} from './routing-helpers';

const opening = chatChunks([], 'scripted')[0];

/** Anthropic's stream as `/v1/messages` sends it, data lines only (the mapper reads `type` from the data). */
const anthropic = {
  start: { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', content: [], usage: { input_tokens: 3 } } },
  block: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
  text: (text: string) => ({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }),
  error: (type: string, message: string) => ({ type: 'error', error: { type, message } }),
};

describe('streaming over HTTP', () => {
  const fixture = scriptedUpstreamPerFile();

  it('relays the upstream stream as chat.completion.chunk events ending with [DONE], and appends no event', async () => {
    fixture.gw = await gatewayFor(fixture.upstream, { p1: ['sk-st-a'] });
    const before = await storedEvents(fixture.gw);

    const res = await chat(fixture.gw, { stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    expect(res.headers.get('x-switchboard-provider')).toBe('p1');
    const got = streamed(res);
    expect(got.content).toBe('scripted answer from p1-model');
    expect(got.done).toBe(true);
    expect(got.chunks.every((c) => c.object === 'chat.completion.chunk' && c.choices.length > 0)).toBe(true);
    expect(await storedEvents(fixture.gw)).toEqual(before);
  });

  it('ends a stream that drops after two chunks with an error event and no [DONE], without a second upstream call', async () => {
    firstCallThen(fixture.upstream, reply.dropAfter(2));
    fixture.gw = await gatewayFor(fixture.upstream, { p1: ['sk-dr-a', 'sk-dr-b'] }, { routing: { error_cooldown_ms: 60_000 } });

    const got = streamed(await chat(fixture.gw, { stream: true }));
    expect(got.chunks).toHaveLength(2);
    expect(got.content).toBe('one ');
    expect(got.error).toMatchObject({ code: 'upstream_stream_interrupted', type: 'server_error' });
    expect(got.done).toBe(false);
    expect(fixture.upstream.requests).toHaveLength(1);
    const dropped = fixture.upstream.requests[0].key;
    expect(await keyState(fixture.gw, dropped)).toMatchObject({ state: 'quarantined', reason: 'connection_error' });
  });

  it('treats a stream that ends cleanly without [DONE] as cut off: an error event, and the key answers for it like a reset', async () => {
    firstCallThen(fixture.upstream, reply.sse(chatChunks(['one ', 'two '], 'scripted').slice(0, 3)));
    fixture.gw = await gatewayFor(fixture.upstream, { p1: ['sk-cut-a', 'sk-cut-b'] }, { routing: { error_cooldown_ms: 60_000 } });

    const got = streamed(await chat(fixture.gw, { stream: true }));
    expect(got.content).toBe('one two ');
    expect(got.error).toMatchObject({ code: 'upstream_stream_interrupted' });
    expect(got.error.message).toContain('incomplete_stream');
    expect(got.done).toBe(false);
    expect(fixture.upstream.requests).toHaveLength(1);
    const history = await keyHistory(fixture.gw, fixture.upstream.requests[0].key);
    expect(history.map((e) => e.type)).toEqual(['KeyRegistered', 'KeyQuarantined']);
    expect(history[1].data).toMatchObject({ reason: 'connection_error' });
  });

  it.each<[string, Behaviour, string]>([
    ['a 500', reply.serverError(500), 'upstream_error'],
    ['a hang past the timeout', reply.hang(), 'timeout'],
    [
      'an error event as the first event',
      reply.sse([{ error: { message: 'overloaded', type: 'server_error', code: null } }]),
      'upstream_error',
    ],
    ['a reset right after the opening chunk', reply.dropAfter(1), 'connection_error'],
    ['a clean end right after the opening chunk', reply.sse([opening]), 'connection_error'],
  ])('fails over before the first byte reaches the client after %s', async (_what, first, reason) => {
    firstCallThen(fixture.upstream, first);
    fixture.gw = await gatewayFor(
      fixture.upstream,
      { p1: ['sk-fb-a', 'sk-fb-b'] },
      { routing: { error_cooldown_ms: 60_000 }, profile: { timeout_ms: 500 } },
    );

    const res = await chat(fixture.gw, { stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchboard-attempts')).toBe('2');
    const failed = fixture.upstream.requests[0].key;
    expect(res.headers.get('x-switchboard-key')).not.toBe(fingerprint(failed));
    const got = streamed(res);
    expect(got.content).toBe('scripted answer from p1-model');
    expect(got.error).toBeUndefined();
    expect(got.done).toBe(true);
    // One opening chunk only: nothing of the failed attempt reached the client.
    expect(got.chunks.filter((c) => c.choices[0].delta.role === 'assistant')).toHaveLength(1);
    expect(await keyState(fixture.gw, failed)).toMatchObject({ state: 'quarantined', reason });
  });

  it("drops a provider's bookkeeping chunks (Azure's opening choices: [] with prompt_filter_results)", async () => {
    const bookkeeping = { id: '', object: '', created: 0, model: '', choices: [], prompt_filter_results: [{ prompt_index: 0 }] };
    fixture.upstream.fallback(reply.sse([bookkeeping, ...chatChunks(['hi'], 'scripted'), '[DONE]']));
    fixture.gw = await gatewayFor(fixture.upstream, { p1: ['sk-bk-a'] });

    const res = await chat(fixture.gw, { stream: true });
    expect(res.text).not.toContain('prompt_filter_results');
    const got = streamed(res);
    expect(got.content).toBe('hi');
    expect(got.chunks.every((c) => c.choices.length > 0)).toBe(true);
    expect(got.done).toBe(true);
  });

  it('answers stream: true with a stream when the upstream ignored the flag and sent the whole answer as JSON', async () => {
    fixture.upstream.fallback(reply.json(chatCompletion('scripted', 'the whole answer at once')));
    fixture.gw = await gatewayFor(fixture.upstream, { p1: ['sk-js-a'] });

    const res = await chat(fixture.gw, { stream: true });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const got = streamed(res);
    expect(got.content).toBe('the whole answer at once');
    // The usage chunk only for a client that asked for it (stream_options.include_usage).
    expect(got.chunks.some((c) => c.choices.length === 0)).toBe(false);
    const asked = streamed(await chat(fixture.gw, { stream: true, stream_options: { include_usage: true } }));
    expect(asked.chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 3 } });
    expect(got.chunks.some((c) => c.choices[0]?.finish_reason === 'stop')).toBe(true);
    expect(got.done).toBe(true);
    expect(res.headers.get('x-switchboard-attempts')).toBe('1');
  });

  it('fails over when stream: true is answered 200 with something that is no answer at all (an HTML page)', async () => {
    firstCallThen(fixture.upstream, reply.json('<html>gateway timeout</html>', 200));
    fixture.gw = await gatewayFor(fixture.upstream, { p1: ['sk-ht-a', 'sk-ht-b'] });

    const res = await chat(fixture.gw, { stream: true });
    expect(res.headers.get('x-switchboard-attempts')).toBe('2');
    expect(streamed(res)).toMatchObject({ content: 'scripted answer from p1-model', done: true });
    expect((await keyHistory(fixture.gw, fixture.upstream.requests[0].key))[1].data).toMatchObject({
      reason: 'upstream_error',
      status: 200,
    });
  });

  it('classifies a mid-stream rate-limit event as a 429: a cool-down until the deadline, not a circuit failure', async () => {
    const limited = { error: { message: 'Rate limit reached for requests', type: 'requests', code: 'rate_limit_exceeded' } };
    // Apart in time, so the error comes after the first chunk has gone out.
    fixture.upstream.fallback(reply.sse([...chatChunks(['one '], 'scripted').slice(0, 2), limited], { intervalMs: 30 }));
    fixture.gw = await gatewayFor(
      fixture.upstream,
      { p1: ['sk-mr-a'] },
      { routing: { rate_limit_cooldown_ms: 30_000, circuit: { failure_threshold: 1, cooldown_ms: 60_000 } } },
    );

    const got = streamed(await chat(fixture.gw, { stream: true }));
    expect(got.content).toBe('one ');
    expect(got.error).toMatchObject({ code: 'upstream_stream_interrupted' });
    expect(got.done).toBe(false);
    const history = await keyHistory(fixture.gw, 'sk-mr-a');
    expect(history[1]).toMatchObject({ type: 'KeyQuarantined', data: { reason: 'rate_limited', status: 429 } });
    expect(Date.parse(history[1].data.until as string)).toBeGreaterThan(Date.now() + 20_000);
    // A rate limit says nothing about the provider's health: threshold 1, and still no circuit trip.
    expect((await storedEvents(fixture.gw, 'provider-p1')).map((e) => e.type)).not.toContain('CircuitOpened');
  });

  describe('with an anthropic profile', () => {
    const anthropicProfile = () => ({ type: 'anthropic', base_url: fixture.upstream.url });

    it("cools a key down as rate-limited when Anthropic's stream says rate_limit_error after the answer began", async () => {
      fixture.upstream.fallback(
        reply.sse([anthropic.start, anthropic.block, anthropic.text('Hel'), anthropic.error('rate_limit_error', 'slow down')], {
          intervalMs: 30,
        }),
      );
      fixture.gw = await gatewayFor(
        fixture.upstream,
        { p1: ['sk-an-a'] },
        { profile: anthropicProfile(), routing: { circuit: { failure_threshold: 1, cooldown_ms: 60_000 } } },
      );

      const got = streamed(await chat(fixture.gw, { stream: true }));
      expect(fixture.upstream.requests[0].path).toBe('/v1/messages');
      expect(got.content).toBe('Hel');
      expect(got.error).toMatchObject({ code: 'upstream_stream_interrupted' });
      expect(got.done).toBe(false);
      expect((await keyHistory(fixture.gw, 'sk-an-a'))[1].data).toMatchObject({ reason: 'rate_limited', status: 429 });
      expect((await storedEvents(fixture.gw, 'provider-p1')).map((e) => e.type)).not.toContain('CircuitOpened');
    });

    it('fails over when Anthropic says overloaded_error right after message_start (no text had reached the client)', async () => {
      const overloaded = reply.sse([anthropic.start, anthropic.error('overloaded_error', 'Overloaded')]);
      const fine = reply.sse([anthropic.start, anthropic.block, anthropic.text('fine'), { type: 'message_stop' }]);
      let calls = 0;
      fixture.upstream.fallback(reply.fn(() => (calls++ === 0 ? overloaded : fine)));
      fixture.gw = await gatewayFor(fixture.upstream, { p1: ['sk-an-b', 'sk-an-c'] }, { profile: anthropicProfile() });

      const res = await chat(fixture.gw, { stream: true });
      expect(res.headers.get('x-switchboard-attempts')).toBe('2');
      expect(streamed(res)).toMatchObject({ content: 'fine', done: true });
      expect((await keyHistory(fixture.gw, fixture.upstream.requests[0].key))[1].data).toMatchObject({
        reason: 'upstream_error',
        status: 529,
      });
    });
  });

  describe('a client that disconnects', () => {
    it('cancels a non-streaming upstream call it was waiting for, and no event is appended', async () => {
      fixture.upstream.fallback(reply.hang());
      fixture.gw = await gatewayFor(fixture.upstream, { p1: ['sk-dc-a'] }, { profile: { timeout_ms: 30_000 } });
      const before = await storedEvents(fixture.gw);

      const controller = new AbortController();
      const sent = post(
        `${fixture.gw.url}/v1/chat/completions`,
        { model: 'main', messages: [{ role: 'user', content: 'hi' }] },
        {},
        controller.signal,
      );
      const [call] = await fixture.upstream.waitForRequests(1);
      controller.abort();
      await expect(sent).rejects.toThrow();
      await fixture.upstream.waitForClientClose(call);

      expect(await storedEvents(fixture.gw)).toEqual(before);
      expect((await keyState(fixture.gw, 'sk-dc-a')).state).toBe('available');
      fixture.upstream.fallback(reply.auto());
      expect((await chat(fixture.gw)).status).toBe(200);
    });

    it('cancels the upstream stream mid-way, and no event is appended', async () => {
      fixture.upstream.fallback(
        reply.stream(
          Array.from({ length: 50 }, (_, i) => `piece${i} `),
          { intervalMs: 50 },
        ),
      );
      fixture.gw = await gatewayFor(fixture.upstream, { p1: ['sk-dc-b'] });
      const before = await storedEvents(fixture.gw);

      const controller = new AbortController();
      const res = await fetch(`${fixture.gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hi' }], stream: true }),
        signal: controller.signal,
      });
      const reader = res.body!.getReader();
      const first = await reader.read();
      expect(new TextDecoder().decode(first.value)).toContain('chat.completion.chunk');
      controller.abort();

      const [call] = fixture.upstream.requests;
      await fixture.upstream.waitForClientClose(call);
      expect(call.closedByClient).toBe(true);
      expect(await storedEvents(fixture.gw)).toEqual(before);
      await waitFor('the key to stay available', async () => (await keyState(fixture.gw!, 'sk-dc-b')).state === 'available');
    });
  });
});
