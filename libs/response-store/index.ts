export * from './response-store';
export { InMemoryResponseStore } from './in-memory/in-memory-response-store';
export { SqliteResponseStore } from './sqlite/sqlite-response-store';
export { createResponseStore } from './create-response-store';
export type { PostgresResponseStoreOptions } from './postgres/postgres-response-store';
