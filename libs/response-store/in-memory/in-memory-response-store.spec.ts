import { describeResponseStoreContract } from '../contract/response-store.contract';
import { InMemoryResponseStore } from './in-memory-response-store';

describeResponseStoreContract('InMemoryResponseStore', (limits) => new InMemoryResponseStore(limits));
