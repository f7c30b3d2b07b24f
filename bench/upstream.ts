import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';

/**
 * The benchmark's fake upstream: an OpenAI-compatible host with a fixed delay before answering
 * and, for `stream: true`, a fixed number of SSE chunks at a fixed interval. It runs in its own
 * process so its CPU is not charged to the gateway being measured.
 */
export interface UpstreamOptions {
  delayMs: number;
  chunks: number;
  chunkIntervalMs: number;
}

const completion = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'bench-model',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: 'The quick brown fox jumps over the lazy dog. '.repeat(4).trim(),
      },
      finish_reason: 'stop',
    },
  ],
  usage: { prompt_tokens: 12, completion_tokens: 40, total_tokens: 52 },
});

const chunk = (content: string, finish: string | null) =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: 'bench-model',
    choices: [{ index: 0, delta: finish ? {} : { content }, finish_reason: finish }],
  })}\n\n`;

export function handle(opts: UpstreamOptions) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => {
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"object":"list","data":[{"id":"bench-model","object":"model","created":0,"owned_by":"bench"}]}');
        return;
      }
      const stream = parts.length > 0 && Buffer.concat(parts).includes('"stream":true');
      const answer = () => (stream ? streamReply(res, opts) : jsonReply(res));
      const delayMs = delayOf(req.url) ?? opts.delayMs;
      // No timer at 0 ms: even setTimeout(0) waits a millisecond, noise larger than what is measured.
      if (delayMs > 0) setTimeout(answer, delayMs);
      else answer();
    });
  };
}

/**
 * `/think/<ms>/v1/...` answers after `<ms>`, like a model that takes its time; the same process
 * serves the instant floor and the thinking upstream, so both runs share one upstream.
 */
function delayOf(url: string | undefined): number | undefined {
  const match = /^\/think\/(\d+)\//.exec(url ?? '');
  return match ? Number(match[1]) : undefined;
}

function jsonReply(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(completion) });
  res.end(completion);
}

function streamReply(res: ServerResponse, opts: UpstreamOptions): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  let sent = 0;
  const next = () => {
    if (res.destroyed) return;
    if (sent < opts.chunks) {
      res.write(chunk(`token${sent} `, null));
      sent++;
      setTimeout(next, opts.chunkIntervalMs);
    } else {
      res.write(chunk('', 'stop'));
      res.end('data: [DONE]\n\n');
    }
  };
  next();
}

if (require.main === module) {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      'delay-ms': { type: 'string', default: '0' },
      chunks: { type: 'string', default: '20' },
      'chunk-interval-ms': { type: 'string', default: '5' },
    },
  });
  const server = createServer(
    { keepAliveTimeout: 60_000 },
    handle({
      delayMs: Number(values['delay-ms']),
      chunks: Number(values.chunks),
      chunkIntervalMs: Number(values['chunk-interval-ms']),
    }),
  );
  server.listen(Number(values.port), '127.0.0.1', () => {
    const address = server.address();
    console.log(`READY ${typeof address === 'object' && address ? address.port : values.port}`);
  });
}
