import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createEventStore } from './create-event-store';
import { EsdbEventStore, toEsdbConnectionString } from './esdb/esdb-event-store';
import { EventStore } from './event-store';
import { InMemoryEventStore } from './in-memory/in-memory-event-store';
import { PostgresEventStore } from './postgres/postgres-event-store';
import { SqliteEventStore } from './sqlite/sqlite-event-store';

describe('createEventStore (EVENT_STORE_URL)', () => {
  let dir: string;
  const opened: EventStore[] = [];
  const open = (url: string | undefined, dataDir?: string) => {
    const store = createEventStore(url, { dataDir });
    opened.push(store);
    return store;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-create-store-'));
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([undefined, '', '  '])('opens SQLite at <dataDir>/events.db when unset (%p)', async (url) => {
    const store = open(url, join(dir, 'data'));
    await store.append('apikey-a', [{ type: 'KeyRegistered', data: {} }], 'no_stream');

    expect(store).toBeInstanceOf(SqliteEventStore);
    expect(existsSync(join(dir, 'data', 'events.db'))).toBe(true);
  });

  it('opens an in-memory store for memory: under NODE_ENV=test', () => {
    expect(open('memory:', undefined)).toBeInstanceOf(InMemoryEventStore);
    expect(createEventStore('memory:', { nodeEnv: 'test' })).toBeInstanceOf(InMemoryEventStore);
  });

  it.each(['', 'production', 'development'])("refuses memory: when NODE_ENV is '%s': events would be lost at exit", (nodeEnv) => {
    expect(() => createEventStore('memory:', { nodeEnv })).toThrow(/EVENT_STORE_URL: memory: .*for tests \(NODE_ENV=test\)/);
  });

  it.each([
    ['sqlite:<relative path>', (file: string) => `sqlite:${relative(process.cwd(), file)}`],
    ['sqlite:<absolute path>', (file: string) => `sqlite:${file}`],
    ['sqlite://<absolute>', (file: string) => `sqlite://${file}`],
    ['file:<path>', (file: string) => `file:${file}`],
    ['file:// URL', (file: string) => pathToFileURL(file).href],
  ])('opens SQLite at the path of %s', async (_form, url) => {
    const file = join(dir, 'sub dir', 'store.db');
    const store = open(url(file));
    await store.append('apikey-a', [{ type: 'KeyRegistered', data: {} }], 'no_stream');

    expect(store).toBeInstanceOf(SqliteEventStore);
    expect(existsSync(file)).toBe(true);
    const reopened = open(`sqlite:${file}`);
    expect(await reopened.readStream('apikey-a')).toHaveLength(1);
  });

  it.each([
    'esdb://localhost:2113?tls=false',
    'esdb+discover://cluster.example:2113',
    'kurrentdb://localhost:2113?tls=false',
    'kurrent://localhost:2113?tls=false',
  ])('connects to EventStoreDB/KurrentDB for %s', (url) => {
    expect(open(url)).toBeInstanceOf(EsdbEventStore);
  });

  it.each(['postgres://switchboard:secret@db.example:5432/events', 'postgresql://db.example/events?sslmode=require'])(
    'connects to PostgreSQL for %s',
    (url) => {
      expect(open(url)).toBeInstanceOf(PostgresEventStore);
    },
  );

  it('refuses anything else, naming the variable and the accepted schemes but not the secret', () => {
    expect(() => createEventStore('mysql://admin:hunter2@db/events')).toThrow(
      /EVENT_STORE_URL.*memory:.*sqlite:<path>.*file:<path>.*postgres:\/\/.*postgresql:\/\/.*esdb:\/\/.*esdb\+discover:\/\/.*kurrentdb:\/\/.*kurrent:\/\//,
    );
    expect(() => createEventStore('mysql://admin:hunter2@db/events')).not.toThrow(/hunter2/);
    expect(() => createEventStore('sqlite:')).toThrow(/EVENT_STORE_URL/);
  });
});

describe('toEsdbConnectionString', () => {
  it.each([
    ['kurrentdb://admin:changeit@localhost:2113?tls=false', 'esdb://admin:changeit@localhost:2113?tls=false'],
    ['kurrent://localhost:2113', 'esdb://localhost:2113'],
    ['kurrentdb+discover://cluster:2113', 'esdb+discover://cluster:2113'],
    ['esdb://localhost:2113', 'esdb://localhost:2113'],
  ])('passes %s to the client as %s', (input, expected) => {
    expect(toEsdbConnectionString(input)).toBe(expected);
  });
});
