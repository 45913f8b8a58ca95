/**
 * The scale-out store: PostgreSQL through a bounded `pg` pool, with the same semantics as the
 * SQLite store (see store.ts). Every statement is parameterised; the only identifier spliced into
 * SQL is the schema name, checked by `quoteSchema`.
 *
 * Ordering invariant (what makes `lastSeq` and compaction safe with several nodes): PostgreSQL
 * hands out sequence values when a row is inserted, not when it commits, so across transactions
 * seqs could become visible out of order. `appendUpdates` therefore locks the element rows of its
 * batch (`FOR UPDATE`, in id order so two batches cannot deadlock) before it takes seqs. Two
 * transactions appending to one document are serialised on that row lock, so a document's seqs
 * become visible in increasing order: whoever sees seq n of a document sees every lower one of it.
 */
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import type { Pool, PoolClient } from 'pg'
import { isElementKind } from '../../../shared/element-kinds.ts'
import type { ElementFields } from '../../../shared/element-doc.ts'
import type {
  AppendEntry,
  AppendResult,
  CompactRequest,
  DocumentStore,
  ElementRecord,
  StoreStats,
  StoredDocument,
  WorldRecord,
} from '../store.ts'
import { LOCK_SPACE_COMPACTION } from './locks.ts'
import { PostgresAccountStore } from './postgres-accounts.ts'
import { migrate, quoteSchema } from './schema.ts'
import { inTransaction } from './transaction.ts'

export interface PostgresStoreOptions {
  /** A postgres:// or postgresql:// connection string. */
  readonly url: string
  /** The schema holding Loresync's tables, created if missing. Default `public`. */
  readonly schema?: string
  /** Most connections this process opens. Default 10. */
  readonly poolSize?: number
  /**
   * Told about errors on idle pooled connections (the server restarted, the network dropped). The
   * pool discards such a connection and opens a new one on next use; without a listener the error
   * would crash the process.
   */
  readonly onIdleError?: (error: Error) => void
}

export const DEFAULT_POOL_SIZE = 10

/** How long to wait for a connection (new or from the pool) before failing the operation. */
const CONNECT_TIMEOUT_MS = 5000
/** A statement running longer than this is cancelled by the server; the operation fails. */
const STATEMENT_TIMEOUT_MS = 30_000

interface WorldRow {
  readonly id: string
  readonly name: string
  readonly created_at: Date
}

interface ElementRow {
  readonly id: string
  readonly world_id: string
  readonly kind: string
  readonly name: string
  readonly summary: string
  readonly updated_at: Date
}

/** bigint columns arrive as strings: pg will not guess whether they fit in a JS number. */
interface UpdateRow {
  readonly seq: string
  readonly data: Buffer
}

interface SnapshotRow {
  readonly data: Buffer
  readonly through_seq: string
}

const ELEMENT_COLUMNS = 'id, world_id, kind, name, summary, updated_at'

/** A plain Uint8Array over the Buffer's bytes, so nobody downstream meets Buffer semantics. */
const bytesOf = (buffer: Buffer): Uint8Array =>
  new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)

/** A Buffer view (no copy) of the bytes, which is what pg sends as bytea. */
const bufferOf = (bytes: Uint8Array): Buffer =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)

const toWorld = (row: WorldRow): WorldRecord => ({
  id: row.id,
  name: row.name,
  createdAt: row.created_at.toISOString(),
})

const toElement = (row: ElementRow): ElementRecord => ({
  id: row.id,
  worldId: row.world_id,
  // The same reading as `readFields`: a kind this build does not know reads as a note.
  kind: isElementKind(row.kind) ? row.kind : 'note',
  name: row.name,
  summary: row.summary,
  updatedAt: row.updated_at.toISOString(),
})

/** What one batch leaves in an element's index row: the last fields given, the last updatedAt. */
interface IndexChange {
  fields: ElementFields | undefined
  updatedAt: string
}

const indexChanges = (entries: readonly AppendEntry[]): Map<string, IndexChange> => {
  const changes = new Map<string, IndexChange>()
  for (const entry of entries) {
    const previous = changes.get(entry.docId)
    changes.set(entry.docId, {
      fields: entry.fields ?? previous?.fields,
      updatedAt: entry.updatedAt,
    })
  }
  return changes
}

/** Documents and (through PostgresAccountStore) accounts, over one pool to one schema. */
export class PostgresStore extends PostgresAccountStore implements DocumentStore {
  private readonly pool: Pool
  private closing: Promise<void> | undefined

  /** Takes a pool that `openPostgresStore` has configured and whose schema it has migrated. */
  constructor(pool: Pool) {
    super(pool)
    this.pool = pool
  }

  async createWorld(world: WorldRecord): Promise<void> {
    await this.pool.query('INSERT INTO worlds (id, name, created_at) VALUES ($1, $2, $3)', [
      world.id,
      world.name,
      world.createdAt,
    ])
  }

  async listWorlds(): Promise<WorldRecord[]> {
    const result = await this.pool.query<WorldRow>(
      'SELECT id, name, created_at FROM worlds ORDER BY created_at, id',
    )
    return result.rows.map(toWorld)
  }

  async getWorld(id: string): Promise<WorldRecord | undefined> {
    const result = await this.pool.query<WorldRow>(
      'SELECT id, name, created_at FROM worlds WHERE id = $1',
      [id],
    )
    const row = result.rows[0]
    return row && toWorld(row)
  }

  async createElement(element: ElementRecord, seedUpdate: Uint8Array): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await client.query(
        `INSERT INTO elements (id, world_id, kind, name, summary, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)`,
        [
          element.id,
          element.worldId,
          element.kind,
          element.name,
          element.summary,
          element.updatedAt,
        ],
      )
      await client.query('INSERT INTO doc_updates (doc_id, data) VALUES ($1, $2)', [
        element.id,
        bufferOf(seedUpdate),
      ])
    })
  }

  async listElements(worldId: string): Promise<ElementRecord[]> {
    const result = await this.pool.query<ElementRow>(
      `SELECT ${ELEMENT_COLUMNS} FROM elements WHERE world_id = $1 ORDER BY created_at, id`,
      [worldId],
    )
    return result.rows.map(toElement)
  }

  async getElement(id: string): Promise<ElementRecord | undefined> {
    const result = await this.pool.query<ElementRow>(
      `SELECT ${ELEMENT_COLUMNS} FROM elements WHERE id = $1`,
      [id],
    )
    const row = result.rows[0]
    return row && toElement(row)
  }

  async deleteElement(id: string): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      // Lock the row first: an append holding it finishes before we delete, and one arriving after
      // finds the row gone and drops its entry, so no log row can slip in between.
      const locked = await client.query('SELECT 1 FROM elements WHERE id = $1 FOR UPDATE', [id])
      if (locked.rowCount === 0) return false
      // Children first: the foreign keys refuse to delete an element that still has rows.
      await client.query('DELETE FROM doc_updates WHERE doc_id = $1', [id])
      await client.query('DELETE FROM doc_snapshots WHERE doc_id = $1', [id])
      await client.query('DELETE FROM elements WHERE id = $1', [id])
      return true
    })
  }

  async loadDocument(docId: string): Promise<StoredDocument | undefined> {
    // One snapshot of the database for the three reads, so the snapshot and log agree.
    return inTransaction(
      this.pool,
      async (client) => {
        const exists = await client.query('SELECT 1 FROM elements WHERE id = $1', [docId])
        if (exists.rowCount === 0) return undefined
        const snapshot = (
          await client.query<SnapshotRow>(
            'SELECT data, through_seq FROM doc_snapshots WHERE doc_id = $1',
            [docId],
          )
        ).rows[0]
        const rows = (
          await client.query<UpdateRow>(
            'SELECT seq, data FROM doc_updates WHERE doc_id = $1 ORDER BY seq',
            [docId],
          )
        ).rows
        return {
          snapshot: snapshot ? bytesOf(snapshot.data) : null,
          updates: rows.map((row) => bytesOf(row.data)),
          lastSeq: Math.max(Number(rows.at(-1)?.seq ?? 0), Number(snapshot?.through_seq ?? 0)),
        }
      },
      'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
    )
  }

  /**
   * The group commit: one transaction, one WAL flush, for the whole batch, in a fixed number of
   * round trips whatever its size.
   */
  async appendUpdates(entries: readonly AppendEntry[]): Promise<AppendResult> {
    if (entries.length === 0) return { seqs: [] }
    return inTransaction(this.pool, async (client) => {
      const live = await lockElements(client, [...new Set(entries.map((entry) => entry.docId))])
      // Entries whose element is gone (deleted while the update travelled) are dropped: seq 0.
      const kept = entries.filter((entry) => live.has(entry.docId))
      if (kept.length === 0) return { seqs: entries.map(() => 0) }
      await writeIndexChanges(client, indexChanges(kept))
      // Taken after the row locks (see the ordering invariant above), sorted so that the entries
      // get increasing seqs in the order given.
      const allocated = await client.query<{ seq: string }>(
        `SELECT nextval(pg_get_serial_sequence('doc_updates', 'seq'))::text AS seq
         FROM generate_series(1, $1)`,
        [kept.length],
      )
      const seqs = allocated.rows.map((row) => BigInt(row.seq)).sort((a, b) => (a < b ? -1 : 1))
      await client.query(
        `INSERT INTO doc_updates (seq, doc_id, data)
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::bytea[])`,
        [
          seqs.map(String),
          kept.map((entry) => entry.docId),
          kept.map((entry) => bufferOf(entry.update)),
        ],
      )
      let next = 0
      return {
        seqs: entries.map((entry) => (live.has(entry.docId) ? Number(seqs[next++]) : 0)),
      }
    })
  }

  /**
   * Compaction of one document runs on one node at a time: the transaction first tries the
   * document's advisory lock and, when another node holds it, does nothing (that node is doing the
   * same work; the log simply stays longer until the next compaction).
   */
  async compact({ docId, snapshot, throughSeq }: CompactRequest): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      const lock = await client.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS locked',
        [LOCK_SPACE_COMPACTION, docId],
      )
      if (!lock.rows[0]?.locked) return
      // KEY SHARE: a concurrent delete waits for us, and then removes what we wrote.
      const exists = await client.query('SELECT 1 FROM elements WHERE id = $1 FOR KEY SHARE', [
        docId,
      ])
      // Deleted while the snapshot was being built: nothing to keep.
      if (exists.rowCount === 0) return
      // The WHERE makes an older snapshot lose against a newer one: compaction never goes back.
      const written = await client.query(
        `INSERT INTO doc_snapshots (doc_id, data, through_seq) VALUES ($1, $2, $3)
         ON CONFLICT (doc_id) DO UPDATE SET data = excluded.data, through_seq = excluded.through_seq
         WHERE excluded.through_seq >= doc_snapshots.through_seq`,
        [docId, bufferOf(snapshot), throughSeq],
      )
      if (written.rowCount === 0) return
      await client.query('DELETE FROM doc_updates WHERE doc_id = $1 AND seq <= $2', [
        docId,
        throughSeq,
      ])
    })
  }

  async countUpdates(docId: string): Promise<number> {
    const result = await this.pool.query<{ count: number }>(
      'SELECT count(*)::integer AS count FROM doc_updates WHERE doc_id = $1',
      [docId],
    )
    return result.rows[0]?.count ?? 0
  }

  async checkWritable(): Promise<void> {
    const token = randomUUID()
    // In one transaction, so another node's probe cannot overwrite the row in between.
    const read = await inTransaction(this.pool, async (client) => {
      await client.query(
        `INSERT INTO health (id, token) VALUES (1, $1)
         ON CONFLICT (id) DO UPDATE SET token = excluded.token`,
        [token],
      )
      const result = await client.query<{ token: string }>('SELECT token FROM health WHERE id = 1')
      return result.rows[0]?.token
    })
    if (read !== token) throw new Error('PostgreSQL did not read back the probe it just wrote')
  }

  async stats(): Promise<StoreStats> {
    // Payload bytes of updates and snapshots: what the documents weigh, not the table sizes.
    const result = await this.pool.query<{ documents: string; update_rows: string; bytes: string }>(
      `SELECT
         (SELECT count(*) FROM elements) AS documents,
         (SELECT count(*) FROM doc_updates) AS update_rows,
         (SELECT coalesce(sum(octet_length(data)), 0) FROM doc_updates)
           + (SELECT coalesce(sum(octet_length(data)), 0) FROM doc_snapshots) AS bytes`,
    )
    const row = result.rows[0]
    return {
      documents: Number(row?.documents ?? 0),
      updateRows: Number(row?.update_rows ?? 0),
      bytes: Number(row?.bytes ?? 0),
    }
  }

  /** Waits for checked-out connections to come back, then closes them all. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.pool.end()
    return this.closing
  }
}

/**
 * Locks the index rows of `docIds` in id order and returns the ids that exist. Holding the row
 * lock until commit serialises appends to one document across nodes, and a concurrent delete.
 */
const lockElements = async (
  client: PoolClient,
  docIds: readonly string[],
): Promise<Set<string>> => {
  const result = await client.query<{ id: string }>(
    'SELECT id FROM elements WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE',
    [docIds],
  )
  return new Set(result.rows.map((row) => row.id))
}

/**
 * One UPDATE for the whole batch: new fields where given, otherwise only updated_at, and that only
 * when the stored one is a minute older (as SQLite does, log-writes.mjs TOUCH_EVERY_MS: no row
 * rewrite per keystroke).
 */
const writeIndexChanges = async (
  client: PoolClient,
  changes: ReadonlyMap<string, IndexChange>,
): Promise<void> => {
  const rows = [...changes]
  await client.query(
    `UPDATE elements AS e SET
       kind = coalesce(c.kind, e.kind),
       name = coalesce(c.name, e.name),
       summary = coalesce(c.summary, e.summary),
       updated_at = c.updated_at
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
       AS c (id, kind, name, summary, updated_at)
     WHERE e.id = c.id
       AND (c.kind IS NOT NULL OR e.updated_at < c.updated_at - interval '1 minute')`,
    [
      rows.map(([id]) => id),
      rows.map(([, change]) => change.fields?.kind ?? null),
      rows.map(([, change]) => change.fields?.name ?? null),
      rows.map(([, change]) => change.fields?.summary ?? null),
      rows.map(([, change]) => change.updatedAt),
    ],
  )
}

/**
 * Connects, creates or migrates the schema, and returns the store. The pool is bounded and every
 * connection has the schema on its search_path, so queries name tables without qualification.
 */
export const openPostgresStore = async (options: PostgresStoreOptions): Promise<PostgresStore> => {
  const schema = options.schema ?? 'public'
  quoteSchema(schema)
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? DEFAULT_POOL_SIZE,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    // `pg_catalog` is searched first anyway; nothing else may shadow our tables.
    options: `-c search_path=${schema}`,
    application_name: 'loresync',
  })
  pool.on('error', (error) => {
    if (options.onIdleError) options.onIdleError(error)
    else console.error('PostgreSQL: an idle connection failed', error)
  })
  try {
    await migrate(pool, schema)
    return new PostgresStore(pool)
  } catch (error) {
    await pool.end()
    throw error
  }
}
