import { createServer as createHttpServer } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo, type Server } from 'node:net';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

/**
 * Two floors below the raw proxy (`BENCH_FLOORS=1`), to tell what Node itself sets in the latency
 * phase from what a proxy's own code adds:
 * - `pipe`: one upstream socket per client socket, bytes copied both ways, no HTTP parsed at all.
 *   The least any Node process in the path can cost.
 * - `buffered`: Node's HTTP server in, the body read whole, undici's `Pool.dispatch` out, the answer
 *   read whole and sent with a content-length. The least an HTTP proxy built from what Switchboard's
 *   request path is built from can cost. It buffers streams, so it only takes JSON load.
 */
export function pipeProxy(upstreamPort: number): Server {
  return createTcpServer((client) => {
    const upstream = connect(upstreamPort, '127.0.0.1');
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
}

export function bufferedProxy(upstream: string) {
  const pool = new Pool(upstream, { connections: 256, pipelining: 1, keepAliveTimeout: 60_000 });
  return createHttpServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      const answer: Buffer[] = [];
      let status = 502;
      let contentType = 'application/json';
      pool.dispatch(
        { method: 'POST', path: req.url!, headers: { 'content-type': 'application/json', 'content-length': String(body.length) }, body },
        {
          onRequestStart: () => undefined, // undici tells its handler APIs apart by this method
          onResponseStart: (_controller, statusCode, headers) => {
            status = statusCode;
            contentType = String(headers['content-type'] ?? contentType);
          },
          onResponseData: (_controller, part) => void answer.push(part),
          onResponseEnd: () => {
            const whole = Buffer.concat(answer);
            res.writeHead(status, { 'content-type': contentType, 'content-length': whole.length });
            res.end(whole);
          },
          onResponseError: (_controller, err) => {
            res.writeHead(502, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ error: { message: err.message } }));
          },
        },
      );
    });
  });
}

if (require.main === module) {
  const { values } = parseArgs({
    options: { kind: { type: 'string' }, port: { type: 'string', default: '0' }, upstream: { type: 'string' } },
  });
  const upstream = new URL(values.upstream!);
  const server = values.kind === 'pipe' ? pipeProxy(Number(upstream.port)) : bufferedProxy(upstream.origin);
  server.listen(Number(values.port), '127.0.0.1', () => console.log(`READY ${(server.address() as AddressInfo).port}`));
}
