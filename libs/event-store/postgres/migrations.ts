import type { Pool, PoolConfig } from 'pg';

/** The advisory lock key that serialises appends ("SWBD" in ASCII). */
export const APPEND_LOCK = 0x53574244;
/** The advisory lock key that serialises migrations. */
const MIGRATION_LOCK = 0x53574245;
/** The SQLSTATE our append raises for a wrong expected revision (class SB: ours, not PostgreSQL's). */
export const WRONG_EXPECTED_REVISION = 'SB409';
export const NOTIFY_CHANNEL = 'switchboard_events';

/**
 * The schema, one versioned step at a time. A step is never edited once released: a change is a
 * new step. Every process applies the missing steps on start, under an advisory lock, so several
 * replicas starting together migrate once.
 */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'events table and the serialised append',
    sql: `
      CREATE TABLE switchboard_events (
        position bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        stream   text        NOT NULL,
        revision integer     NOT NULL,
        type     text        NOT NULL,
        data     jsonb       NOT NULL,
        at       timestamptz NOT NULL,
        UNIQUE (stream, revision)
      );

      -- One round trip per append. The transaction-wide advisory lock serialises appends, so
      -- positions become visible in the order they were taken: a reader that has seen position n
      -- will never later find an event below n (the gap of sequences under concurrent writers).
      -- p_expected: a revision, -1 for "no stream", -2 for "any".
      CREATE FUNCTION switchboard_append(p_stream text, p_expected integer, p_types text[], p_data jsonb[])
      RETURNS TABLE (event_position bigint, event_revision integer, event_at timestamptz)
      LANGUAGE plpgsql AS $$
      DECLARE
        v_current integer;
        v_last bigint;
      BEGIN
        PERFORM pg_advisory_xact_lock(${APPEND_LOCK});
        SELECT COALESCE(MAX(e.revision), -1) INTO v_current FROM switchboard_events e WHERE e.stream = p_stream;
        IF p_expected <> -2 AND p_expected <> v_current THEN
          RAISE EXCEPTION 'wrong expected revision' USING ERRCODE = '${WRONG_EXPECTED_REVISION}', DETAIL = v_current::text;
        END IF;
        RETURN QUERY
          INSERT INTO switchboard_events (stream, revision, type, data, at)
          SELECT p_stream, v_current + u.ord::integer, u.t, u.d, clock_timestamp()
          FROM unnest(p_types, p_data) WITH ORDINALITY AS u(t, d, ord)
          ORDER BY u.ord
          RETURNING position, revision, at;
        SELECT e.position INTO v_last FROM switchboard_events e
          WHERE e.stream = p_stream AND e.revision = v_current + cardinality(p_types);
        -- Delivered at commit, to every listening process: their subscriptions read at once.
        PERFORM pg_notify('${NOTIFY_CHANNEL}', v_last::text);
      END $$;
    `,
  },
  {
    version: 2,
    name: 'leases',
    sql: `
      CREATE TABLE switchboard_leases (
        name   text        PRIMARY KEY,
        holder text        NOT NULL,
        until  timestamptz NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: 'stored responses',
    // The response store's table (libs/response-store/postgres), beside the events so replicas on
    // this database answer each other's follow-ups. json, not jsonb: a response reads back with its
    // keys in the order the client first got them.
    sql: `
      CREATE TABLE switchboard_responses (
        id         text   PRIMARY KEY,
        created_at bigint NOT NULL,
        response   json   NOT NULL,
        input      json   NOT NULL
      );
      CREATE INDEX switchboard_responses_by_age ON switchboard_responses (created_at);
    `,
  },
];

/** Applies every migration the database has not seen yet, in one transaction under an advisory lock. */
export async function migrate(pool: Pool): Promise<void> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS switchboard_migrations (
      version    integer     PRIMARY KEY,
      name       text        NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: number }>('SELECT version FROM switchboard_migrations');
    const applied = new Set(rows.map((row) => row.version));
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO switchboard_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
    throw error;
  } finally {
    // A connection that could not even roll back is dropped, not handed to the next caller.
    client.release(broken);
  }
}

/** Connection settings every pool on the store's database shares (event store, response store). */
export interface PostgresPoolOptions {
  /** Connections in the pool (default 10): concurrent appends and reads each hold one. */
  maxConnections?: number;
  /** How long to wait for a connection before an operation fails (default 3000 ms). */
  connectTimeoutMs?: number;
}

export function postgresPoolConfig(url: string, opts: PostgresPoolOptions = {}): PoolConfig {
  return { connectionString: url, max: opts.maxConnections ?? 10, connectionTimeoutMillis: opts.connectTimeoutMs ?? 3000, keepAlive: true };
}

/**
 * `migrate` applied once per pool: the returned function resolves once the schema is there; a
 * failure (store unreachable) is retried by the next caller.
 */
export function migrateOnce(pool: Pool): () => Promise<void> {
  let migrated: Promise<void> | undefined;
  return () => {
    migrated ??= migrate(pool).catch((error: unknown) => {
      migrated = undefined;
      throw error;
    });
    return migrated;
  };
}
