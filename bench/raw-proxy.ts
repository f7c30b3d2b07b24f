import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

/**
 * The Node floor: the least a proxy on undici can do — no parsing, no routing, no validation.
 * Bodies are piped both ways; Switchboard's target is a fixed fraction of its throughput.
 */
if (require.main === module) {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: '0' }, upstream: { type: 'string' } },
  });
  const pool = new Pool(values.upstream!, { connections: 256, pipelining: 1, keepAliveTimeout: 60_000 });

  const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    const headers = { ...req.headers };
    delete headers.host;
    delete headers.connection;
    pool
      .request({
        method: req.method as 'POST',
        path: req.url!,
        headers,
        body: req.method === 'GET' ? undefined : req,
      })
      .then(async (up) => {
        res.writeHead(up.statusCode, {
          'content-type': String(up.headers['content-type'] ?? 'application/json'),
        });
        for await (const part of up.body) res.write(part);
        res.end();
      })
      .catch((err: Error) => {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: err.message } }));
      });
  });
  server.listen(Number(values.port), '127.0.0.1', () => {
    const address = server.address();
    console.log(`READY ${typeof address === 'object' && address ? address.port : values.port}`);
  });
}
