import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { reply } from '../../support/scripted-upstream';
import { chat, gatewayFor, keyHistory, keyState, streamed, scriptedUpstreamPerFile, firstCallThen } from './routing-helpers';

describe('per-profile timeouts over HTTP', () => {
  const fixture = scriptedUpstreamPerFile();

  it('cuts off a JSON answer that trickles in past timeout_ms, though no single gap is that long, and fails over', async () => {
    // 12 pieces 100 ms apart: every gap well inside 400 ms, the whole answer well past it.
    firstCallThen(fixture.upstream, reply.trickle('too slow', { pieces: 12, intervalMs: 100 }));
    fixture.gw = await gatewayFor(
      fixture.upstream,
      { p1: ['sk-tt-a', 'sk-tt-b'] },
      { profile: { timeout_ms: 400 }, routing: { error_cooldown_ms: 60_000 } },
    );

    const res = await chat(fixture.gw);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchboard-attempts')).toBe('2');
    expect(res.json.choices[0].message.content).toBe('scripted answer from p1-model');
    const slow = fixture.upstream.requests[0].key;
    expect(fixture.upstream.requests[0].closedByClient).toBe(true);
    expect((await keyHistory(fixture.gw, slow))[1]).toMatchObject({ type: 'KeyQuarantined', data: { reason: 'timeout' } });
  });

  it('lets a stream run past timeout_ms as long as it keeps talking (for streams it bounds each gap)', async () => {
    fixture.upstream.fallback(reply.stream(['a ', 'b ', 'c ', 'd ', 'e ', 'f ', 'g ', 'h'], { intervalMs: 100 }));
    fixture.gw = await gatewayFor(fixture.upstream, { p1: ['sk-ts-a'] }, { profile: { timeout_ms: 400 } });

    const got = streamed(await chat(fixture.gw, { stream: true }));
    expect(got).toMatchObject({ content: 'a b c d e f g h', done: true });
    expect((await keyState(fixture.gw, 'sk-ts-a')).state).toBe('available');
  });

  describe('connect_timeout_ms', () => {
    // Accepts TCP connections and never says a word: a TLS handshake to it never completes.
    let silent: Server;
    const sockets: Socket[] = [];

    beforeAll(async () => {
      silent = createServer((socket) => void sockets.push(socket)).listen(0, '127.0.0.1');
      await once(silent, 'listening');
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      silent.close();
      await once(silent, 'close');
    });

    it('gives up on a connection that cannot be set up within connect_timeout_ms, whatever timeout_ms allows', async () => {
      const { port } = silent.address() as AddressInfo;
      fixture.gw = await gatewayFor(
        fixture.upstream,
        { p1: ['sk-ct-a'] },
        { profile: { base_url: `https://127.0.0.1:${port}/v1`, connect_timeout_ms: 200, timeout_ms: 60_000 } },
      );

      const res = await chat(fixture.gw);
      expect(res.status).toBe(503);
      expect(res.json.error.attempts).toEqual([expect.objectContaining({ profile: 'p1', status: null, reason: 'connect_timeout' })]);
      expect((await keyHistory(fixture.gw, 'sk-ct-a'))[1]).toMatchObject({ type: 'KeyQuarantined', data: { reason: 'timeout' } });
      expect(sockets.length).toBeGreaterThan(0);
    });
  });
});
