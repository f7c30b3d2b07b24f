import { describeEventStoreContract } from '../contract/event-store.contract';
import { EsdbEventStore } from './esdb-event-store';

const url = process.env.EVENT_STORE_URL ?? '';
const configured = /^(esdb|kurrent)/.test(url);

describeEventStoreContract('EventStoreDB', () => new EsdbEventStore(url), {
  skip: configured ? undefined : 'EVENT_STORE_URL not set (EventStoreDB cannot run on this machine)',
});
