import { EsdbStandIn } from '../../../test/support/esdb-stand-in';
import { describeEventStoreContract } from '../contract/event-store.contract';
import { EsdbEventStore } from './esdb-event-store';

const url = process.env.EVENT_STORE_URL ?? '';
const configured = /^(esdb|kurrent)/.test(url);

describe('EsdbEventStore over gRPC to the test-only EventStoreDB stand-in', () => {
  const standIn = new EsdbStandIn();

  beforeAll(async () => {
    await standIn.start();
  });

  afterAll(async () => {
    await standIn.stop();
  });

  describeEventStoreContract('EventStoreDB stand-in', () => new EsdbEventStore(standIn.url));
});

describeEventStoreContract('EventStoreDB', () => new EsdbEventStore(url), {
  skip: configured ? undefined : 'EVENT_STORE_URL not set (no real EventStoreDB here; the stand-in suite above ran instead)',
});
