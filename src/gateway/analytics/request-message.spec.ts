import { finishedRecord, refusedBeforeRouting } from '../routing/testing/finished-record';
import { requestCompletedJson, requestCompletedMessage } from './request-message';

/** The message written by hand is the one `JSON.stringify` wrote of the message object: consumers see no change. */
describe('the requests.completed message', () => {
  const prices = { 'gpt-4o': { inputPerMtok: 2.5, outputPerMtok: 10 } };
  const record = finishedRecord;

  it.each([
    ['a served stream after a failed attempt', record()],
    ['a refusal before routing', refusedBeforeRouting()],
    ['a model without a price', record({ model: 'unpriced', stream: false, firstTokenMs: null })],
    ['names and ids that need escaping', record({ requestId: 'a "quoted" id\\ with\nnewline', client: 'caf\u00e9 \u2028 client' })],
  ])('is what JSON.stringify wrote for %s', (_what, r) => {
    expect(requestCompletedJson(r, prices, 1765000000123)).toBe(JSON.stringify(requestCompletedMessage(r, prices, 1765000000123)));
  });
});
