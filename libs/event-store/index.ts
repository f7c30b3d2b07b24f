export * from './event-store';
export { InMemoryEventStore } from './in-memory/in-memory-event-store';
export { SqliteEventStore } from './sqlite/sqlite-event-store';
export type { SqliteEventStoreOptions } from './sqlite/sqlite-event-store';
export { createEventStore } from './create-event-store';
export type { CreateEventStoreOptions } from './create-event-store';
export type { PostgresEventStoreOptions } from './postgres/postgres-event-store';
// The PostgreSQL schema's migrations (no driver loaded: the caller brings its pool), shared with
// the response store, whose table lives in the same database and version sequence.
export { migrateOnce as migratePostgresSchemaOnce, postgresPoolConfig } from './postgres/migrations';
export type { PostgresPoolOptions } from './postgres/migrations';
