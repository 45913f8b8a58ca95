// @ts-check
/**
 * The two write transactions of the document log, the group commit and the compaction, over one
 * better-sqlite3 connection.
 *
 * Plain JavaScript (type-checked through JSDoc) because the writer thread runs it: a worker
 * started from a `.mjs` file loads the same way under tsx, vitest and plain Node, with no
 * TypeScript loader to register in the thread. SqliteStore runs the same functions in-thread when
 * it has no writer thread (`:memory:` databases), so there is one copy of this SQL.
 *
 * Write transactions start IMMEDIATE: a deferred transaction that upgrades to a write can fail
 * with SQLITE_BUSY at once, without waiting for `busy_timeout`, when another connection wrote in
 * between.
 */

/**
 * @typedef {import('better-sqlite3').Database} Database
 * @typedef {import('../store.ts').AppendEntry} AppendEntry
 * @typedef {import('../store.ts').CompactRequest} CompactRequest
 * @typedef {{ docId: string, data: Uint8Array }} UpdateRow the parameters of INSERT_UPDATE_SQL
 */

/**
 * @typedef {object} LogWrites
 * @property {(entries: readonly AppendEntry[]) => number[]} appendUpdates
 *   Commits every entry in one transaction (one fsync under `synchronous=FULL`) and returns each
 *   entry's seq, 0 for an entry whose element is gone.
 * @property {(request: CompactRequest) => void} compact
 *   Replaces the snapshot and deletes the rows it covers, in one transaction.
 */

/**
 * A body edit moves the element's `updated_at` only when the stored one is older than this: the
 * index says "edited a minute ago" either way, and rewriting the element row on every keystroke
 * was a third of the pages each commit wrote (benchmark T5). Changes to the name, summary or kind
 * always write it.
 */
export const TOUCH_EVERY_MS = 60_000

/**
 * `wal_autocheckpoint` for every connection that writes the log. SQLite's default checkpoints every
 * 1,000 WAL pages; with a few pages per commit that was a checkpoint (copying the hot pages back
 * into the database file, with an fsync) every few hundred commits, and under a stream of updates
 * the same few pages were copied again each time. Ten times fewer checkpoints copy nearly the same
 * pages once: 15 % less server CPU at 1,000 updates a second (benchmark T2). The cost is a WAL of
 * up to about 40 MB between checkpoints (reused, not regrown, after each one).
 */
export const WAL_AUTOCHECKPOINT_PAGES = 10_000

/**
 * Appends one row to a document's log and returns its seq (named parameters `docId`, `data`).
 * Seqs count per document (schema migration 3 explains why the log is no longer AUTOINCREMENT), so
 * the next one is taken here: one past the larger of the document's highest row and its snapshot's
 * `through_seq`. The snapshot term is what stops a seq from being reused after compaction deleted
 * every row, and with them the highest seq: a reused seq <= through_seq would read as already in
 * the snapshot and never be loaded. Run inside a write transaction, so nobody takes the same seq
 * between the read and the insert; rows added earlier in the same transaction count, so a batch
 * with several entries for one document gives them increasing seqs. Both subqueries are primary
 * key lookups and only read: the one page written is the log leaf the row goes into. No row (and
 * no seq) when the element is gone: an update that travelled while its element was deleted is
 * dropped, with no separate existence check.
 */
export const INSERT_UPDATE_SQL = `INSERT INTO doc_updates (doc_id, seq, data)
  SELECT @docId, max(
    coalesce((SELECT max(seq) FROM doc_updates WHERE doc_id = @docId), 0),
    coalesce((SELECT through_seq FROM doc_snapshots WHERE doc_id = @docId), 0)
  ) + 1, @data
  WHERE EXISTS (SELECT 1 FROM elements WHERE id = @docId)
  RETURNING seq`

/**
 * `updatedAt` moved by `ms`. Timestamps are ISO 8601 strings in UTC, which order as text; one that
 * does not parse is returned as it is (the statement then decides, as it always did).
 * @param {string} updatedAt
 * @param {number} ms
 */
const shifted = (updatedAt, ms) => {
  const time = Date.parse(updatedAt)
  return Number.isNaN(time) ? updatedAt : new Date(time + ms).toISOString()
}

/**
 * How many elements' `updated_at` a connection remembers (touchDue in prepareLogWrites); past
 * that it starts over, which costs one statement per element edited next.
 */
const REMEMBERED_ELEMENTS = 10_000

/**
 * @param {Database} db a configured, migrated connection
 * @returns {LogWrites}
 */
export const prepareLogWrites = (db) => {
  const insertUpdate = /** @type {import('better-sqlite3').Statement<[UpdateRow], number>} */ (
    db.prepare(INSERT_UPDATE_SQL).pluck()
  )
  /** @type {import('better-sqlite3').Statement<[string, string, string, string, string]>} */
  const updateElementFields = db.prepare(
    'UPDATE elements SET kind = ?, name = ?, summary = ?, updated_at = ? WHERE id = ?',
  )
  /** @type {import('better-sqlite3').Statement<[string, string, string]>} */
  const touchElement = db.prepare(
    'UPDATE elements SET updated_at = ? WHERE id = ? AND updated_at < ?',
  )
  const readUpdatedAt = /** @type {import('better-sqlite3').Statement<[string], string>} */ (
    db.prepare('SELECT updated_at FROM elements WHERE id = ?').pluck()
  )
  const elementExists = /** @type {import('better-sqlite3').Statement<[string], number>} */ (
    db.prepare('SELECT 1 FROM elements WHERE id = ?').pluck()
  )
  /**
   * Element id → the time before which a body edit need not look at its `updated_at`, from the
   * value this connection last wrote or read. A body edit used to run two statements besides its
   * insert (the conditional touch, and an existence check when that changed nothing); under a
   * stream of keystrokes they were most of the per-update work of a commit (benchmarks T1, T2).
   * Now it runs them about once a minute per element. The value is a lower bound: every writer
   * only moves `updated_at` forward, so a stale entry can only make the statement run early,
   * where its own WHERE still decides.
   * @type {Map<string, string>}
   */
  const touchDue = new Map()
  /** @param {string} docId @param {string} updatedAt */
  const remember = (docId, updatedAt) => {
    if (touchDue.size >= REMEMBERED_ELEMENTS && !touchDue.has(docId)) touchDue.clear()
    touchDue.set(docId, shifted(updatedAt, TOUCH_EVERY_MS))
  }

  /**
   * Moves a body edit's element `updated_at` to `updatedAt` when it is over a minute older;
   * false when the element is gone.
   * @param {string} docId @param {string} updatedAt
   */
  const touchForBodyEdit = (docId, updatedAt) => {
    const due = touchDue.get(docId)
    if (due !== undefined && updatedAt <= due) return true
    if (touchElement.run(updatedAt, docId, shifted(updatedAt, -TOUCH_EVERY_MS)).changes > 0) {
      remember(docId, updatedAt)
      return true
    }
    const stored = readUpdatedAt.get(docId)
    if (stored === undefined) return false
    remember(docId, stored)
    return true
  }

  // The WHERE makes an older snapshot lose against a newer one: compaction never goes backwards.
  /** @type {import('better-sqlite3').Statement<[string, Uint8Array, number]>} */
  const upsertSnapshot = db.prepare(
    `INSERT INTO doc_snapshots (doc_id, data, through_seq) VALUES (?, ?, ?)
     ON CONFLICT (doc_id) DO UPDATE SET data = excluded.data, through_seq = excluded.through_seq
     WHERE excluded.through_seq >= doc_snapshots.through_seq`,
  )
  /** @type {import('better-sqlite3').Statement<[string, number]>} */
  const deleteUpdatesThrough = db.prepare('DELETE FROM doc_updates WHERE doc_id = ? AND seq <= ?')

  // The group commit: one transaction, one fsync, for the whole batch.
  const appendUpdates = db.transaction(
    /** @param {readonly AppendEntry[]} entries */
    (entries) =>
      entries.map((entry) => {
        const { docId, fields, updatedAt } = entry
        if (fields) {
          const changed = updateElementFields.run(
            fields.kind,
            fields.name,
            fields.summary,
            updatedAt,
            docId,
          ).changes
          if (changed === 0) return 0
          remember(docId, updatedAt)
        } else if (!touchForBodyEdit(docId, updatedAt)) {
          return 0
        }
        // Undefined when the element was deleted while the update travelled: nothing to keep.
        const seq = insertUpdate.get({ docId, data: entry.update })
        return typeof seq === 'number' ? seq : 0
      }),
  ).immediate

  const compact = db.transaction(
    /** @param {CompactRequest} request */
    ({ docId, snapshot, throughSeq }) => {
      // Deleted while the snapshot was being built: nothing to keep.
      if (elementExists.get(docId) === undefined) return
      // No change means a snapshot through a later seq is already there.
      if (upsertSnapshot.run(docId, snapshot, throughSeq).changes === 0) return
      deleteUpdatesThrough.run(docId, throughSeq)
    },
  ).immediate

  return { appendUpdates, compact }
}
