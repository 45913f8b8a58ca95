/**
 * The PostgreSQL schema and its migrations. A `loresync_migrations` table records which migrations
 * a schema has seen; start-up runs the missing ones in one transaction that first takes an advisory
 * lock on the schema's name, so two nodes starting at once migrate it once (the second waits, then
 * finds nothing left to do), and a crash mid-migration leaves the previous version intact.
 *
 * Migrations are append-only: never edit one that has shipped, add the next one instead.
 */
import type { Pool, PoolClient } from 'pg'
import { LOCK_SPACE_MIGRATIONS } from './locks.ts'
import { inTransaction } from './transaction.ts'

const MIGRATIONS: readonly string[] = [
  // 1: worlds, the element index, and per-document update logs with at most one snapshot each.
  // Log and snapshot rows reference their element without ON DELETE CASCADE: deleting an element
  // removes them explicitly in one transaction, and the foreign key refuses to leave orphans.
  `
  CREATE TABLE worlds (
    id text PRIMARY KEY,
    name text NOT NULL,
    created_at timestamptz NOT NULL
  );

  CREATE TABLE elements (
    id text PRIMARY KEY,
    world_id text NOT NULL REFERENCES worlds (id),
    kind text NOT NULL,
    name text NOT NULL,
    summary text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
  );
  CREATE INDEX elements_by_world ON elements (world_id, created_at);

  -- A sequence never hands out a value twice, even after the rows with the highest seqs are
  -- deleted, so "seq <= through_seq" keeps meaning "covered by the snapshot".
  CREATE TABLE doc_updates (
    seq bigserial PRIMARY KEY,
    doc_id text NOT NULL REFERENCES elements (id),
    data bytea NOT NULL
  );
  CREATE INDEX doc_updates_by_doc ON doc_updates (doc_id, seq);

  CREATE TABLE doc_snapshots (
    doc_id text PRIMARY KEY REFERENCES elements (id),
    data bytea NOT NULL,
    through_seq bigint NOT NULL
  );

  -- One row, rewritten by the readiness probe to prove the database accepts writes.
  CREATE TABLE health (
    id integer PRIMARY KEY CHECK (id = 1),
    token text NOT NULL
  );
  `,
  // 2: accounts and permissions, as in the SQLite schema's migration 2. Worlds created before
  // this migration have no members and so are reachable by nobody; there was no production data
  // before accounts existed.
  `
  CREATE TABLE users (
    id text PRIMARY KEY,
    username text NOT NULL,
    username_key text NOT NULL UNIQUE,
    password_hash text NOT NULL,
    created_at timestamptz NOT NULL
  );

  CREATE TABLE sessions (
    id text PRIMARY KEY,
    user_id text NOT NULL REFERENCES users (id),
    refresh_generation integer NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
  );
  CREATE INDEX sessions_by_user ON sessions (user_id);

  CREATE TABLE members (
    world_id text NOT NULL REFERENCES worlds (id),
    user_id text NOT NULL REFERENCES users (id),
    role text NOT NULL CHECK (role IN ('owner', 'editor', 'viewer')),
    PRIMARY KEY (world_id, user_id)
  );
  CREATE INDEX members_by_user ON members (user_id);

  CREATE TABLE invites (
    id text PRIMARY KEY,
    token_hash text NOT NULL UNIQUE,
    world_id text NOT NULL REFERENCES worlds (id),
    role text NOT NULL CHECK (role IN ('owner', 'editor', 'viewer')),
    created_by text NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
  );
  `,
]

/** The version a schema has once every migration this build knows has run. */
export const SCHEMA_VERSION = MIGRATIONS.length

/** Names we are willing to splice into SQL as identifiers: unquoted-safe, at most 63 bytes. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

export const isSchemaName = (name: string): boolean => SCHEMA_NAME.test(name)

/** The schema name as an identifier; refuses anything but a plain lower-case name. */
export const quoteSchema = (name: string): string => {
  if (!isSchemaName(name)) {
    throw new Error(
      `"${name}" is not a usable schema name: use lower-case letters, digits and _ (at most 63).`,
    )
  }
  return `"${name}"`
}

export const readSchemaVersion = async (client: PoolClient): Promise<number> => {
  const result = await client.query<{ version: number }>(
    'SELECT coalesce(max(version), 0)::integer AS version FROM loresync_migrations',
  )
  return result.rows[0]?.version ?? 0
}

/**
 * Brings `schema` up to SCHEMA_VERSION, creating it if needed; refuses a schema written by a newer
 * build. The pool's connections must have `schema` first on their search_path.
 */
export const migrate = (pool: Pool, schema: string): Promise<void> => {
  const identifier = quoteSchema(schema)
  return inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
      LOCK_SPACE_MIGRATIONS,
      schema,
    ])
    // Only when missing: CREATE SCHEMA IF NOT EXISTS still needs the CREATE privilege.
    const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])
    if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${identifier}`)
    await client.query(
      `CREATE TABLE IF NOT EXISTS loresync_migrations (
         version integer PRIMARY KEY,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    )
    const current = await readSchemaVersion(client)
    if (current > SCHEMA_VERSION) {
      throw new Error(
        `schema ${schema} has version ${current}, but this build knows only up to ` +
          `${SCHEMA_VERSION}: run a newer Loresync, or restore a backup made by this version.`,
      )
    }
    for (const [index, sql] of MIGRATIONS.entries()) {
      const version = index + 1
      if (version <= current) continue
      await client.query(sql)
      await client.query('INSERT INTO loresync_migrations (version) VALUES ($1)', [version])
    }
  })
}
