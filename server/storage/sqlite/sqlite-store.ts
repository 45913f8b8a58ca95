/**
 * The embedded store: one SQLite file in WAL mode. better-sqlite3 is synchronous, so every method
 * does its work inside one SQLite transaction and returns an already settled promise; a failure
 * (including use after `close`) arrives as a rejection, never as a synchronous throw.
 *
 * The exception is the document log's writes (`appendUpdates`, `compact`): for a database file
 * they run on a writer thread with its own connection (`writer-thread.ts`), so the fsync of each
 * group commit does not block the event loop. Reads and the rare other writes stay on this
 * connection; WAL lets them read while the thread writes, and a write here waits (`busy_timeout`)
 * for the thread's transaction to finish.
 *
 * Write transactions start IMMEDIATE: a deferred transaction that upgrades to a write can fail
 * with SQLITE_BUSY at once, without waiting for `busy_timeout`, when another connection wrote in
 * between.
 */
import { randomUUID } from 'node:crypto'
import Database from 'better-sqlite3'
import { isElementKind, type ElementKind } from '../../../shared/element-kinds.ts'
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
import { inlineLogWriter, type LogWriter } from './log-writer.ts'
import { INSERT_UPDATE_SQL, WAL_AUTOCHECKPOINT_PAGES } from './log-writes.mjs'
import { migrate } from './schema.ts'
import { SqliteAccountStore } from './sqlite-accounts.ts'
import { ThreadedLogWriter } from './writer-thread.ts'

export type SqliteSynchronous = 'full' | 'normal'

export interface SqliteStoreOptions {
  readonly file: string
  /**
   * `full` syncs the WAL on every commit: an acknowledged update survives a power cut. `normal`
   * syncs only at checkpoints: it survives a crash of the process, not of the machine.
   */
  readonly synchronous: SqliteSynchronous
  /**
   * Run the log's writes on a writer thread instead of this connection (default: off; never for
   * `:memory:`, which no other connection can open). It keeps the event loop running through slow
   * fsyncs, but each commit then costs a message to and from the thread: see docs/architecture.md.
   */
  readonly writerThread?: boolean
}

/** The connection settings as SQLite reports them, for tests and diagnostics. */
export interface SqliteSettings {
  readonly journalMode: string
  /** 0 off, 1 normal, 2 full, 3 extra. */
  readonly synchronous: number
  readonly foreignKeys: boolean
  readonly busyTimeoutMs: number
  readonly walAutocheckpointPages: number
}

const SYNCHRONOUS_PRAGMA: Readonly<Record<SqliteSynchronous, string>> = {
  full: 'FULL',
  normal: 'NORMAL',
}

/** How long a statement waits for another connection's write lock before failing. */
const BUSY_TIMEOUT_MS = 5000

interface WorldRow {
  readonly id: string
  readonly name: string
  readonly created_at: string
}

interface ElementRow {
  readonly id: string
  readonly world_id: string
  readonly kind: string
  readonly name: string
  readonly summary: string
  readonly updated_at: string
}

interface UpdateRow {
  readonly seq: number
  readonly data: Buffer
}

interface SnapshotRow {
  readonly data: Buffer
  readonly through_seq: number
}

interface ElementParams {
  readonly id: string
  readonly worldId: string
  readonly kind: ElementKind
  readonly name: string
  readonly summary: string
  readonly updatedAt: string
}

const ELEMENT_COLUMNS = 'id, world_id, kind, name, summary, updated_at'

const prepareStatements = (db: Database.Database) => ({
  insertWorld: db.prepare<WorldRecord>(
    'INSERT INTO worlds (id, name, created_at) VALUES (@id, @name, @createdAt)',
  ),
  selectWorlds: db.prepare<[], WorldRow>(
    'SELECT id, name, created_at FROM worlds ORDER BY created_at, id',
  ),
  selectWorld: db.prepare<[string], WorldRow>(
    'SELECT id, name, created_at FROM worlds WHERE id = ?',
  ),

  insertElement: db.prepare<ElementParams>(
    `INSERT INTO elements (id, world_id, kind, name, summary, created_at, updated_at)
     VALUES (@id, @worldId, @kind, @name, @summary, @updatedAt, @updatedAt)`,
  ),
  selectElements: db.prepare<[string], ElementRow>(
    `SELECT ${ELEMENT_COLUMNS} FROM elements WHERE world_id = ? ORDER BY created_at, id`,
  ),
  selectElement: db.prepare<[string], ElementRow>(
    `SELECT ${ELEMENT_COLUMNS} FROM elements WHERE id = ?`,
  ),
  elementExists: db.prepare<[string], number>('SELECT 1 FROM elements WHERE id = ?').pluck(),
  deleteElement: db.prepare<[string]>('DELETE FROM elements WHERE id = ?'),

  // The seed row takes its seq by the same rule as the group commit (1 for a new element).
  insertUpdate: db
    .prepare<[{ docId: string; data: Uint8Array }], number>(INSERT_UPDATE_SQL)
    .pluck(),
  selectUpdates: db.prepare<[string], UpdateRow>(
    'SELECT seq, data FROM doc_updates WHERE doc_id = ? ORDER BY seq',
  ),
  countUpdates: db
    .prepare<[string], number>('SELECT count(*) FROM doc_updates WHERE doc_id = ?')
    .pluck(),
  deleteUpdates: db.prepare<[string]>('DELETE FROM doc_updates WHERE doc_id = ?'),

  selectSnapshot: db.prepare<[string], SnapshotRow>(
    'SELECT data, through_seq FROM doc_snapshots WHERE doc_id = ?',
  ),
  deleteSnapshot: db.prepare<[string]>('DELETE FROM doc_snapshots WHERE doc_id = ?'),

  writeHealth: db.prepare<[string]>(
    `INSERT INTO health (id, token) VALUES (1, ?)
     ON CONFLICT (id) DO UPDATE SET token = excluded.token`,
  ),
  readHealth: db.prepare<[], string>('SELECT token FROM health WHERE id = 1').pluck(),

  // Payload bytes of updates and snapshots: what the documents weigh, not the file size.
  stats: db.prepare<[], StoreStats>(
    `SELECT
       (SELECT count(*) FROM elements) AS documents,
       (SELECT count(*) FROM doc_updates) AS updateRows,
       (SELECT coalesce(sum(length(data)), 0) FROM doc_updates)
         + (SELECT coalesce(sum(length(data)), 0) FROM doc_snapshots) AS bytes`,
  ),
})

type Statements = ReturnType<typeof prepareStatements>

/** A plain Uint8Array over the Buffer's bytes, so nobody downstream meets Buffer semantics. */
const bytesOf = (buffer: Buffer): Uint8Array =>
  new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)

const toWorld = (row: WorldRow): WorldRecord => ({
  id: row.id,
  name: row.name,
  createdAt: row.created_at,
})

const toElement = (row: ElementRow): ElementRecord => ({
  id: row.id,
  worldId: row.world_id,
  // The same reading as `readFields`: a kind this build does not know reads as a note.
  kind: isElementKind(row.kind) ? row.kind : 'note',
  name: row.name,
  summary: row.summary,
  updatedAt: row.updated_at,
})

/** Documents and (through SqliteAccountStore) accounts, over one connection to one file. */
export class SqliteStore extends SqliteAccountStore implements DocumentStore {
  private readonly db: Database.Database
  private readonly sql: Statements
  private readonly createElementTx: (element: ElementRecord, seedUpdate: Uint8Array) => void
  private readonly deleteElementTx: (id: string) => boolean
  private readonly loadDocumentTx: (docId: string) => StoredDocument | undefined
  private readonly writer: LogWriter

  /**
   * Takes a connection that `openSqliteStore` has configured and migrated, and where the log's
   * writes run (by default in this thread, on `db`).
   */
  constructor(db: Database.Database, writer: LogWriter = inlineLogWriter(db)) {
    super(db)
    this.db = db
    this.writer = writer
    const sql = prepareStatements(db)
    this.sql = sql

    this.createElementTx = db.transaction((element: ElementRecord, seedUpdate: Uint8Array) => {
      sql.insertElement.run({
        id: element.id,
        worldId: element.worldId,
        kind: element.kind,
        name: element.name,
        summary: element.summary,
        updatedAt: element.updatedAt,
      })
      sql.insertUpdate.get({ docId: element.id, data: seedUpdate })
    }).immediate

    // Children first: the foreign keys refuse to delete an element that still has rows.
    this.deleteElementTx = db.transaction((id: string) => {
      sql.deleteUpdates.run(id)
      sql.deleteSnapshot.run(id)
      return sql.deleteElement.run(id).changes > 0
    }).immediate

    // A read transaction, so the snapshot and the log come from the same moment.
    this.loadDocumentTx = db.transaction((docId: string): StoredDocument | undefined => {
      if (sql.elementExists.get(docId) === undefined) return undefined
      const snapshot = sql.selectSnapshot.get(docId)
      const rows = sql.selectUpdates.all(docId)
      return {
        snapshot: snapshot ? bytesOf(snapshot.data) : null,
        updates: rows.map((row) => bytesOf(row.data)),
        lastSeq: Math.max(rows.at(-1)?.seq ?? 0, snapshot?.through_seq ?? 0),
      }
    }).deferred
  }

  async createWorld(world: WorldRecord): Promise<void> {
    this.sql.insertWorld.run({ id: world.id, name: world.name, createdAt: world.createdAt })
  }

  async listWorlds(): Promise<WorldRecord[]> {
    return this.sql.selectWorlds.all().map(toWorld)
  }

  async getWorld(id: string): Promise<WorldRecord | undefined> {
    const row = this.sql.selectWorld.get(id)
    return row && toWorld(row)
  }

  async createElement(element: ElementRecord, seedUpdate: Uint8Array): Promise<void> {
    this.createElementTx(element, seedUpdate)
  }

  async listElements(worldId: string): Promise<ElementRecord[]> {
    return this.sql.selectElements.all(worldId).map(toElement)
  }

  async getElement(id: string): Promise<ElementRecord | undefined> {
    const row = this.sql.selectElement.get(id)
    return row && toElement(row)
  }

  async deleteElement(id: string): Promise<boolean> {
    return this.deleteElementTx(id)
  }

  async loadDocument(docId: string): Promise<StoredDocument | undefined> {
    return this.loadDocumentTx(docId)
  }

  async appendUpdates(entries: readonly AppendEntry[]): Promise<AppendResult> {
    if (entries.length === 0) return { seqs: [] }
    return { seqs: await this.writer.appendUpdates(entries) }
  }

  async compact(request: CompactRequest): Promise<void> {
    await this.writer.compact(request)
  }

  async countUpdates(docId: string): Promise<number> {
    return this.sql.countUpdates.get(docId) ?? 0
  }

  async checkWritable(): Promise<void> {
    const token = randomUUID()
    this.sql.writeHealth.run(token)
    if (this.sql.readHealth.get() !== token) {
      throw new Error(`${this.db.name} did not read back the probe it just wrote`)
    }
  }

  async stats(): Promise<StoreStats> {
    const row = this.sql.stats.get()
    return row ?? { documents: 0, updateRows: 0, bytes: 0 }
  }

  /** Waits for the log writes already asked for, then closes both connections. */
  async close(): Promise<void> {
    try {
      await this.writer.close()
    } finally {
      if (this.db.open) this.db.close()
    }
  }

  /** Reads the connection settings back from SQLite rather than trusting what was asked for. */
  settings(): SqliteSettings {
    const pragma = (name: string): unknown => this.db.pragma(name, { simple: true })
    return {
      journalMode: String(pragma('journal_mode')),
      synchronous: Number(pragma('synchronous')),
      foreignKeys: Number(pragma('foreign_keys')) === 1,
      busyTimeoutMs: Number(pragma('busy_timeout')),
      walAutocheckpointPages: Number(pragma('wal_autocheckpoint')),
    }
  }
}

/** Opens (creating if needed) and migrates the database file, then configures the connection. */
export const openSqliteStore = (options: SqliteStoreOptions): SqliteStore => {
  if (!Object.hasOwn(SYNCHRONOUS_PRAGMA, options.synchronous)) {
    throw new Error(`synchronous must be 'full' or 'normal', got ${String(options.synchronous)}`)
  }
  const db = new Database(options.file)
  try {
    // PRAGMA takes no bound parameters; every value below is a constant of this module.
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
    const journalMode = String(db.pragma('journal_mode = WAL', { simple: true }))
    if (journalMode !== 'wal' && !db.memory) {
      throw new Error(
        `${options.file} could not switch to WAL (it reports '${journalMode}'): ` +
          'put the database on a local filesystem.',
      )
    }
    db.pragma(`synchronous = ${SYNCHRONOUS_PRAGMA[options.synchronous]}`)
    db.pragma('foreign_keys = ON')
    db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`)
    migrate(db)
    const threaded = (options.writerThread ?? false) && !db.memory
    if (!threaded) return new SqliteStore(db)
    const writer = new ThreadedLogWriter({
      file: db.name,
      synchronousPragma: SYNCHRONOUS_PRAGMA[options.synchronous],
      busyTimeoutMs: BUSY_TIMEOUT_MS,
    })
    // Opened now, so the first acknowledgement does not wait for the thread to boot.
    writer.start()
    return new SqliteStore(db, writer)
  } catch (error) {
    db.close()
    throw error
  }
}
