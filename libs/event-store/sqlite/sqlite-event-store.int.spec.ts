import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEventStoreContract } from '../contract/event-store.contract';
import { SqliteEventStore } from './sqlite-event-store';

const dir = mkdtempSync(join(tmpdir(), 'switchboard-sqlite-contract-'));
let files = 0;

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeEventStoreContract('SqliteEventStore', () => new SqliteEventStore(join(dir, `events-${files++}.db`)));
