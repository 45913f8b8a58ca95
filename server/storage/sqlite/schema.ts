/**
 * The SQLite schema and its migrations. `PRAGMA user_version` records how many migrations a file
 * has seen; opening a file runs the missing ones in one IMMEDIATE transaction, so two processes
 * opening the same new file cannot both migrate it, and a crash mid-migration leaves the old
 * version intact.
 *
 * Migrations are append-only: never edit one that has shipped, add the next one instead.
 */
import type Database from 'better-sqlite3'

const MIGRATIONS: readonly string[] = [
  // 1: worlds, the element index, and per-document update logs with at most one snapshot each.
  // Log and snapshot rows reference their element without ON DELETE CASCADE: deleting an element
  // removes them explicitly in one transaction, and the foreign key refuses to leave orphans.
  `
  CREATE TABLE worlds (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
  ) STRICT;

  CREATE TABLE elements (
    id TEXT PRIMARY KEY,
    world_id TEXT NOT NULL REFERENCES worlds (id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    summary TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  ) STRICT;
  CREATE INDEX elements_by_world ON elements (world_id, created_at);

  -- AUTOINCREMENT: a seq is never reused, even after the rows with the highest seqs are
  -- deleted, so "seq <= through_seq" keeps meaning "covered by the snapshot".
  CREATE TABLE doc_updates (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id TEXT NOT NULL REFERENCES elements (id),
    data BLOB NOT NULL
  ) STRICT;
  CREATE INDEX doc_updates_by_doc ON doc_updates (doc_id, seq);

  CREATE TABLE doc_snapshots (
    doc_id TEXT PRIMARY KEY REFERENCES elements (id),
    data BLOB NOT NULL,
    through_seq INTEGER NOT NULL
  ) STRICT;

  -- One row, rewritten by the readiness probe to prove the file accepts writes.
  CREATE TABLE health (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    token TEXT NOT NULL
  ) STRICT;
  `,
  // 2: accounts and permissions. Worlds created before this migration have no members and so are
  // reachable by nobody; there was no production data before accounts existed.
  `
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    username_key TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
  ) STRICT;

  CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    refresh_generation INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
  ) STRICT;
  CREATE INDEX sessions_by_user ON sessions (user_id);

  CREATE TABLE members (
    world_id TEXT NOT NULL REFERENCES worlds (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL CHECK (role IN ('owner', 'editor', 'viewer')),
    PRIMARY KEY (world_id, user_id)
  ) STRICT;
  CREATE INDEX members_by_user ON members (user_id);

  CREATE TABLE invites (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    world_id TEXT NOT NULL REFERENCES worlds (id),
    role TEXT NOT NULL CHECK (role IN ('owner', 'editor', 'viewer')),
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
  ) STRICT;
  `,
  // 3: the update log clustered by document, with seqs counted per document. The rowid log of
  // migration 1 made every group commit write three pages to the WAL: the table's rightmost leaf,
  // the (doc_id, seq) index leaf and, for AUTOINCREMENT, the sqlite_sequence page; benchmark T5
  // (bytes the server writes per delivered edit) sat on its threshold because of it. Keyed
  // (doc_id, seq) WITHOUT ROWID, a commit touching one document writes the one leaf that holds
  // that document's newest rows (and, when that leaf is full, the neighbours it is rebalanced
  // with).
  //
  // What AUTOINCREMENT guaranteed ("seq <= through_seq" keeps meaning "covered by the snapshot",
  // even after compaction deleted a document's newest rows) now comes from how a seq is chosen:
  // one past the larger of the document's highest row and its snapshot's through_seq, inside the
  // write transaction (INSERT_UPDATE_SQL in log-writes.mjs). Seqs are compared only within one
  // document, so the old global seqs are kept as they are: unique and increasing per document,
  // they are valid per-document seqs, and every through_seq keeps its meaning.
  //
  // The rebuild follows the create, copy, drop, rename order of SQLite's procedure for changing
  // a table. That procedure turns foreign keys off first, for tables other tables point at;
  // nothing points at doc_updates, so with them on (the pragma cannot change inside this
  // transaction anyway) the drop touches no other table and the rename rewrites no reference.
  // The copy is checked against elements as it is inserted: a log row of no element fails the
  // migration and leaves the file at version 2. Dropping the AUTOINCREMENT table also deletes its
  // sqlite_sequence row. Rows longer than about 1 KB (the most an index b-tree keeps on a 4 KB
  // page) spill into overflow pages; keystroke updates are tens of bytes.
  `
  CREATE TABLE new_doc_updates (
    doc_id TEXT NOT NULL REFERENCES elements (id),
    seq INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (doc_id, seq)
  ) STRICT, WITHOUT ROWID;

  INSERT INTO new_doc_updates (doc_id, seq, data)
    SELECT doc_id, seq, data FROM doc_updates ORDER BY doc_id, seq;

  DROP TABLE doc_updates;
  ALTER TABLE new_doc_updates RENAME TO doc_updates;
  `,
]

/** The version a file has once every migration this build knows has run. */
export const SCHEMA_VERSION = MIGRATIONS.length

export const readSchemaVersion = (db: Database.Database): number =>
  Number(db.pragma('user_version', { simple: true }))

/**
 * Brings the file up to SCHEMA_VERSION; refuses a file written by a newer build. `target` stops
 * earlier, so tests can write a file as an older build left it and then migrate it.
 */
export const migrate = (db: Database.Database, target: number = SCHEMA_VERSION): void => {
  if (!Number.isInteger(target) || target < 0 || target > SCHEMA_VERSION) {
    throw new Error(
      `cannot migrate to schema version ${target}: this build knows 0 to ${SCHEMA_VERSION}`,
    )
  }
  const run = db.transaction(() => {
    const current = readSchemaVersion(db)
    if (current > SCHEMA_VERSION) {
      throw new Error(
        `${db.name} has schema version ${current}, but this build knows only up to ` +
          `${SCHEMA_VERSION}: run a newer Loresync, or restore a backup made by this version.`,
      )
    }
    for (const sql of MIGRATIONS.slice(current, target)) db.exec(sql)
    // PRAGMA takes no bound parameters; target is an integer checked above.
    if (current < target) db.pragma(`user_version = ${target}`)
  })
  run.immediate()
}
