import pino from 'pino';
import type { RequestRecord } from '../routing/request-record';
import { finishedRecord, refusedBeforeRouting } from '../routing/testing/finished-record';
import { requestLine } from './request-log';

/** The line written by hand is the line pino wrote for the same fields: log readers see no change. */
describe('the request line', () => {
  const record = finishedRecord;

  const byPino = (r: RequestRecord, time: number): string => {
    let line = '';
    const logger = pino({ base: { pid: process.pid }, timestamp: () => `,"time":${time}` }, { write: (s: string) => void (line += s) });
    const round = (ms: number) => Math.round(ms * 10) / 10;
    const usage = r.usage;
    logger.info(
      {
        requestId: r.requestId,
        traceId: r.trace?.traceId,
        client: r.client,
        endpoint: r.endpoint,
        alias: r.alias,
        stream: r.stream,
        profile: r.profile,
        model: r.model,
        key: r.key,
        status: r.status,
        attempts: r.attempts.map(({ profile, model, key, status, outcome, reason, ms }) => ({
          profile,
          model,
          key,
          status,
          outcome,
          reason,
          ms: round(ms),
        })),
        latencyMs: round(r.latencyMs),
        ttftMs: r.firstTokenMs === null ? null : round(r.firstTokenMs),
        tokens: usage && { input: usage.prompt_tokens, output: usage.completion_tokens, total: usage.total_tokens },
      },
      'request finished',
    );
    return line;
  };

  it.each([
    ['a served stream with a failed attempt', record()],
    ['a trace id', record({ trace: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736' } as RequestRecord['trace'] })],
    ['a refusal before routing', refusedBeforeRouting()],
    [
      'names and ids that need escaping',
      record({
        requestId: 'a "quoted" id\\ with\nnewline',
        client: 'caf\u00e9 \u2028 client',
      }),
    ],
  ])('is what pino wrote for %s', (_what, r) => {
    expect(requestLine(r, 1765000000123)).toBe(byPino(r, 1765000000123));
  });

  it('is JSON even when a duration is not a number', () => {
    expect(JSON.parse(requestLine(record({ latencyMs: NaN }), 1))).toMatchObject({ latencyMs: null });
  });
});
