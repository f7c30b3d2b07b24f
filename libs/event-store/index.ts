export * from './event-store';
export { InMemoryEventStore } from './in-memory/in-memory-event-store';
export { SqliteEventStore } from './sqlite/sqlite-event-store';
export type { SqliteEventStoreOptions } from './sqlite/sqlite-event-store';
export { createEventStore } from './create-event-store';
export type { CreateEventStoreOptions } from './create-event-store';
export type { PostgresEventStoreOptions } from './postgres/postgres-event-store';
