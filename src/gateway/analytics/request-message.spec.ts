import { requestLine } from '../logging/request-log';
import type { RequestRecord } from '../routing/request-record';
import { finishedRecord, refusedBeforeRouting } from '../routing/testing/finished-record';
import { requestCompletedJson, requestCompletedMessage } from './request-message';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const traced = (over: Partial<RequestRecord> = {}) => finishedRecord({ trace: { traceId: TRACE_ID } as RequestRecord['trace'], ...over });

/** The message written by hand is the one `JSON.stringify` wrote of the message object: consumers see no change. */
describe('the requests.completed message', () => {
  const prices = { 'gpt-4o': { inputPerMtok: 2.5, outputPerMtok: 10 } };
  const record = finishedRecord;

  it.each([
    ['a served stream after a failed attempt', record()],
    ['a refusal before routing', refusedBeforeRouting()],
    ['a model without a price', record({ model: 'unpriced', stream: false, firstTokenMs: null })],
    ['names and ids that need escaping', record({ requestId: 'a "quoted" id\\ with\nnewline', client: 'caf\u00e9 \u2028 client' })],
    ['a traced request', traced()],
  ])('is what JSON.stringify wrote for %s', (_what, r) => {
    expect(requestCompletedJson(r, prices, 1765000000123)).toBe(JSON.stringify(requestCompletedMessage(r, prices, 1765000000123)));
  });

  it('carries no text over from the message before: other names, other times, one after another', () => {
    const sequence = [
      record(),
      record({ client: 'other', alias: 'b', profile: 'p2', model: 'm2', key: 'fp-2' }),
      record(),
      refusedBeforeRouting(),
    ];
    sequence.forEach((r, i) => {
      const at = 1765000000123 + Math.floor(i / 2);
      expect(requestCompletedJson(r, prices, at)).toBe(JSON.stringify(requestCompletedMessage(r, prices, at)));
    });
  });

  it("names the request's trace, the one its log line names, so a consumer can open it; null when tracing is off", () => {
    const line = JSON.parse(requestLine(traced(), 0)) as { traceId: string };
    expect(JSON.parse(requestCompletedJson(traced(), prices, 0))).toMatchObject({ request_id: 'req-1', trace_id: line.traceId });
    expect(line.traceId).toBe(TRACE_ID);
    expect(JSON.parse(requestCompletedJson(record(), prices, 0))).toMatchObject({ request_id: 'req-1', trace_id: null });
  });
});
