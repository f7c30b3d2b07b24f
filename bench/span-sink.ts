import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * `BENCH_TRACING=1`: where the traced Switchboard posts its spans (OTLP/HTTP JSON, as to a
 * collector), in a process of its own so the load generator's CPU is not shared with it. Bodies
 * are read and dropped; only the count is kept, reported on SIGTERM.
 */
let posts = 0;
let bytes = 0;
const server = createServer((req, res) => {
  req.on('data', (chunk: Buffer) => (bytes += chunk.length));
  req.on('end', () => {
    posts++;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
server.listen(0, '127.0.0.1', () => console.log(`READY ${(server.address() as AddressInfo).port}`));
process.on('SIGTERM', () => {
  console.log(`span sink: ${posts} posts, ${(bytes / 1e6).toFixed(1)} MB`);
  process.exit(0);
});
