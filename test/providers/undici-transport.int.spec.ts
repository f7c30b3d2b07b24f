import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { UndiciTransport, UpstreamNetworkError } from '@switchboard/providers';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function startServer(handler: Handler): Promise<{ server: Server; origin: string; connections: () => number }> {
  let connections = 0;
  const server = createServer(handler);
  server.on('connection', () => connections++);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { server, origin: `http://127.0.0.1:${port}`, connections: () => connections };
}

const opts = { connectTimeoutMs: 5_000, timeoutMs: 10_000 };

describe('UndiciTransport', () => {
  let transport: UndiciTransport;
  const servers: Server[] = [];

  beforeEach(() => {
    transport = new UndiciTransport({ connections: 4 });
  });

  afterEach(async () => {
    await transport.close();
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      server.close();
    }
  });

  async function serve(handler: Handler) {
    const started = await startServer(handler);
    servers.push(started.server);
    return started;
  }

  it('sends method, path, query, headers and body, and hands back status, headers and body', async () => {
    const { origin } = await serve((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        res.writeHead(201, { 'content-type': 'application/json', 'retry-after': '3' });
        res.end(JSON.stringify({ method: req.method, url: req.url, auth: req.headers.authorization, body }));
      });
    });
    const res = await transport.send(
      {
        method: 'POST',
        url: `${origin}/v1/chat/completions?x=1`,
        headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
        body: '{"a":1}',
      },
      opts,
    );
    expect(res.status).toBe(201);
    expect(res.headers['retry-after']).toBe('3');
    expect(JSON.parse(await res.body.text())).toEqual({
      method: 'POST',
      url: '/v1/chat/completions?x=1',
      auth: 'Bearer k',
      body: '{"a":1}',
    });
  });

  it("hands back the headers exactly as undici's own parsing reads them: lower-cased, repeated ones in an array", async () => {
    const { origin } = await serve((_req, res) => {
      res.writeHead(429, [
        ['Content-Type', 'application/json'],
        ['Set-Cookie', 'a=1'],
        ['set-cookie', 'b=2'],
        ['SET-COOKIE', 'c=3'],
        ['X-RateLimit-Remaining-Requests', '0'],
        ['Retry-After', '7'],
        ['constructor', 'odd'],
        ['X-Latin1', 'caf\u00e9'],
      ]);
      res.end('{}');
    });
    const res = await transport.send({ method: 'GET', url: `${origin}/h`, headers: {} }, opts);
    await res.body.bytes();
    const reference = await request(`${origin}/h`);
    await reference.body.dump();
    expect(res.headers).toEqual(reference.headers);
    expect(Object.keys(res.headers)).toEqual(Object.keys(reference.headers));
    expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2', 'c=3']);
    expect(res.headers['x-ratelimit-remaining-requests']).toBe('0');
    expect(res.headers['constructor']).toBe('odd');
    expect(res.headers['x-latin1']).toBe('caf\u00e9');
  });

  it('reuses one keep-alive connection for sequential calls', async () => {
    // One socket per origin: without keep-alive each call would have to open a new one.
    await transport.close();
    transport = new UndiciTransport({ connections: 1 });
    const { origin, connections } = await serve((_req, res) => res.end('ok'));
    for (let i = 0; i < 5; i++) {
      const res = await transport.send({ method: 'GET', url: `${origin}/models`, headers: {} }, opts);
      expect(await res.body.text()).toBe('ok');
    }
    expect(connections()).toBe(1);
  });

  it('never queues a call behind long streams by default: each call in flight gets a socket', async () => {
    // The gateway's transport (no `connections`): 300 streams held open to one host, then one more call.
    await transport.close();
    transport = new UndiciTransport();
    const open: ServerResponse[] = [];
    const { origin, connections } = await serve((req, res) => {
      if (req.url === '/stream') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: first\n\n');
        open.push(res);
      } else res.end('ok');
    });
    const streams = await Promise.all(
      Array.from({ length: 300 }, () => transport.send({ method: 'GET', url: `${origin}/stream`, headers: {} }, opts)),
    );
    const call = await transport.send(
      { method: 'GET', url: `${origin}/models`, headers: {} },
      { connectTimeoutMs: 5_000, timeoutMs: 2_000 },
    );
    expect(await call.body.text()).toBe('ok');
    expect(connections()).toBe(301);
    for (const res of open) res.end('data: [DONE]\n\n');
    await Promise.all(streams.map((s) => s.body.text()));
  });

  it('streams the body chunk by chunk as it arrives', async () => {
    const { origin } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
      setTimeout(() => res.end('data: 2\n\n'), 100);
    });
    const res = await transport.send({ method: 'GET', url: `${origin}/s`, headers: {} }, opts);
    const pieces: string[] = [];
    for await (const piece of res.body) pieces.push(Buffer.from(piece).toString());
    expect(pieces.join('')).toBe('data: 1\n\ndata: 2\n\n');
    expect(pieces.length).toBeGreaterThanOrEqual(2);
  });

  it('reads a large body whole, even when it arrived before anyone asked for it', async () => {
    const body = Buffer.alloc(1024 * 1024, 'x');
    const { origin } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      for (let at = 0; at < body.length; at += 16 * 1024) res.write(body.subarray(at, at + 16 * 1024));
      res.end();
    });
    const res = await transport.send({ method: 'GET', url: `${origin}/big`, headers: {} }, opts);
    await new Promise((resolve) => setTimeout(resolve, 100)); // past the read-ahead limit, unread
    expect(Buffer.from(await res.body.bytes()).equals(body)).toBe(true);
  });

  it('holds a stream back while its reader is slow, instead of buffering all of it', async () => {
    const total = 64 * 1024 * 1024;
    let written = 0;
    const { origin } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const piece = Buffer.alloc(64 * 1024, 'y');
      const pump = () => {
        while (written < total) {
          written += piece.length;
          if (!res.write(piece)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const res = await transport.send({ method: 'GET', url: `${origin}/firehose`, headers: {} }, opts);
    const iterator = res.body[Symbol.asyncIterator]();
    await iterator.next();
    await new Promise((resolve) => setTimeout(resolve, 300)); // the reader dawdles
    // Only socket buffers and the read-ahead limit are in flight: far from the 64 MB the upstream has to say.
    expect(written).toBeLessThan(total / 4);
    let received = 0;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) received += next.value.length;
    expect(written).toBe(total);
    expect(received).toBeGreaterThan(total - 2 * 64 * 1024);
  });

  it('stops the upstream answer when its reader stops reading early', async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((resolve) => (upstreamClosed = resolve));
    const { origin } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const timer = setInterval(() => res.write('data: more\n\n'), 10);
      res.on('close', () => {
        clearInterval(timer);
        upstreamClosed();
      });
    });
    const res = await transport.send({ method: 'GET', url: `${origin}/stream`, headers: {} }, opts);
    for await (const piece of res.body) {
      void piece;
      break;
    }
    await closed;
  });

  it('reports an upstream that never answers as a timeout', async () => {
    const { origin } = await serve(() => undefined);
    const sent = transport.send({ method: 'GET', url: `${origin}/slow`, headers: {} }, { connectTimeoutMs: 5_000, timeoutMs: 300 });
    await expect(sent).rejects.toBeInstanceOf(UpstreamNetworkError);
    await expect(sent).rejects.toMatchObject({ kind: 'timeout' });
  });

  it('reports a stream that stalls mid-body as a timeout while reading', async () => {
    const { origin } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
    });
    const res = await transport.send({ method: 'GET', url: `${origin}/stall`, headers: {} }, { connectTimeoutMs: 5_000, timeoutMs: 300 });
    const read = (async () => {
      for await (const piece of res.body) void piece;
    })();
    await expect(read).rejects.toMatchObject({ name: 'UpstreamNetworkError', kind: 'timeout' });
  });

  it('reports a destroyed socket as a connection error', async () => {
    const { origin } = await serve((req) => req.socket.destroy());
    const sent = transport.send({ method: 'POST', url: `${origin}/reset`, headers: {}, body: '{}' }, opts);
    await expect(sent).rejects.toMatchObject({ name: 'UpstreamNetworkError', kind: 'connection_error' });
  });

  it('reports a refused connection as a connection error without leaking headers', async () => {
    const { server, origin } = await startServer(() => undefined);
    server.close();
    await once(server, 'close');
    const sent = transport.send({ method: 'GET', url: `${origin}/models`, headers: { authorization: 'Bearer sk-secret-value' } }, opts);
    await expect(sent).rejects.toMatchObject({ kind: 'connection_error' });
    await sent.catch((error: Error) => expect(error.message).not.toContain('sk-secret'));
  });

  it('stops the upstream request when the caller aborts, and says it was an abort', async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((resolve) => (upstreamClosed = resolve));
    const { origin } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
      const timer = setInterval(() => res.write('data: more\n\n'), 20);
      res.on('close', () => {
        clearInterval(timer);
        upstreamClosed();
      });
    });
    const controller = new AbortController();
    const res = await transport.send({ method: 'GET', url: `${origin}/stream`, headers: {} }, { ...opts, signal: controller.signal });
    const read = (async () => {
      for await (const piece of res.body) {
        void piece;
        controller.abort();
      }
    })();
    await expect(read).rejects.toMatchObject({ name: 'AbortError' });
    await closed;
  });

  it('rejects, never throws, for a URL that does not parse', async () => {
    let sent: Promise<unknown> | undefined;
    expect(() => (sent = transport.send({ method: 'GET', url: 'not a url', headers: {} }, opts))).not.toThrow();
    await expect(sent).rejects.toMatchObject({ code: 'ERR_INVALID_URL' });
  });

  it('rejects at once when the signal is already aborted', async () => {
    const { origin } = await serve((_req, res) => res.end('ok'));
    const sent = transport.send({ method: 'GET', url: `${origin}/`, headers: {} }, { ...opts, signal: AbortSignal.abort() });
    await expect(sent).rejects.toMatchObject({ name: 'AbortError' });
  });
});
