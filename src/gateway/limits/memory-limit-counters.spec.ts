import { describeLimitCountersContract } from './limit-counters.contract';
import { MemoryLimitCounters } from './memory-limit-counters';

describeLimitCountersContract('memory', () => Promise.resolve(new MemoryLimitCounters()), { timeTravels: true });
