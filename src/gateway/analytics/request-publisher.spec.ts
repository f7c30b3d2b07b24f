import type { NatsConnection } from '@nats-io/transport-node';
import { finishedRecord } from '../routing/testing/finished-record';
import type { AnalyticsConnection } from './analytics-connection';
import { RequestPublisher } from './request-publisher';

/** A connection that records what is published on it, up or not as the case says. */
function connection(up: { connected: boolean }) {
  const published: string[] = [];
  const nc = {
    subscribe: () => ({ unsubscribe: () => undefined }),
    publish: (_subject: string, data: Uint8Array) => published.push(Buffer.from(data).toString()),
  } as unknown as NatsConnection;
  const nats = {
    nc,
    get isConnected() {
      return up.connected;
    },
    onReconnect: () => undefined,
  } as unknown as AnalyticsConnection;
  return { nats, published };
}

const quiet = { log: () => undefined, error: () => undefined, warn: () => undefined, debug: () => undefined };

/** A publisher with a buffer of 2, attached to a connection up or not as `up` says; `ids`: what was published, in order. */
function publisherOn(up: { connected: boolean }) {
  const { nats, published } = connection(up);
  const dropped = jest.fn();
  const publisher = new RequestPublisher('switchboard.requests.completed', {}, 2, dropped, quiet);
  publisher.attach(nats);
  const ids = () => published.map((m) => (JSON.parse(m) as { request_id: string }).request_id);
  return { publisher, dropped, ids };
}

describe('the finished-request publisher', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('gathers messages for 50 ms, and publishes at once rather than drop one when its buffer fills while NATS is up', () => {
    const { publisher, dropped, ids } = publisherOn({ connected: true });
    publisher.requestFinished(finishedRecord({ requestId: 'r0' }));
    publisher.requestFinished(finishedRecord({ requestId: 'r1' }));
    expect(ids()).toEqual([]);
    for (let i = 2; i < 5; i++) publisher.requestFinished(finishedRecord({ requestId: `r${i}` }));
    jest.advanceTimersByTime(50);
    expect(dropped).not.toHaveBeenCalled();
    expect(ids()).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
  });

  it('holds its buffer while NATS is away and drops (and counts) what does not fit', () => {
    const up = { connected: false };
    const { publisher, dropped, ids } = publisherOn(up);
    for (let i = 0; i < 5; i++) publisher.requestFinished(finishedRecord({ requestId: `r${i}` }));
    jest.advanceTimersByTime(50);
    expect(dropped).toHaveBeenCalledTimes(3);
    expect(ids()).toEqual([]);
    up.connected = true;
    publisher.requestFinished(finishedRecord({ requestId: 'r5' }));
    jest.advanceTimersByTime(50);
    expect(ids()).toEqual(['r0', 'r1', 'r5']);
  });
});
