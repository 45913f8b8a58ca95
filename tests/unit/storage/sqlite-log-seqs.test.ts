/**
 * The SQLite update log keyed (doc_id, seq) with seqs counted per document (schema migration 3):
 * a file written at version 2 migrates without losing or changing a byte, a seq is never reused
 * below a snapshot, a batch numbers each document's rows in order, and a commit to one document
 * writes one page to the WAL. Real files in a temp folder, in-thread and on the writer thread.
 */
import { randomUUID } from 'node:crypto'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import {
  encodeSeedUpdate,
  getTags,
  readContent,
  type ElementSeed,
} from '../../../shared/element-doc.ts'
import { migrate, SCHEMA_VERSION } from '../../../server/storage/sqlite/schema.ts'
import { openSqliteStore, type SqliteStore } from '../../../server/storage/sqlite/sqlite-store.ts'
import type { AppendEntry, ElementRecord, StoredDocument } from '../../../server/storage/store.ts'
import { rebuildFromStorage } from '../../helpers/sync-fixtures.ts'
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.ts'

const T0 = '2024-05-01T10:00:00.000Z'

const hex = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')

/** Pushes a tag and returns the update it produced, as a client would send it. */
const addTag = (doc: Y.Doc, tag: string): Uint8Array => {
  const before = Y.encodeStateVector(doc)
  getTags(doc).push([tag])
  return Y.encodeStateAsUpdate(doc, before)
}

const observe = (doc: Y.Doc) => ({
  content: readContent(doc),
  stateVector: Array.from(Y.encodeStateVector(doc)),
})

/** The parts of a StoredDocument that can be compared as plain values. */
const comparable = (stored: StoredDocument | undefined) =>
  stored && {
    snapshot: stored.snapshot && hex(stored.snapshot),
    updates: stored.updates.map(hex),
    lastSeq: stored.lastSeq,
  }

const entry = (docId: string, update: Uint8Array): AppendEntry => ({
  docId,
  update,
  updatedAt: T0,
})

interface LogRow {
  readonly doc_id: string
  readonly seq: number
  readonly data: string
}

interface SnapshotRow {
  readonly doc_id: string
  readonly through_seq: number
  readonly data: string
}

/** Every log row and snapshot, bytes as hex, read by a connection of its own. */
const readAll = (file: string) => {
  const db = new Database(file, { readonly: true, fileMustExist: true })
  try {
    return {
      rows: db
        .prepare<[], LogRow>(
          'SELECT doc_id, seq, hex(data) AS data FROM doc_updates ORDER BY doc_id, seq',
        )
        .all(),
      snapshots: db
        .prepare<[], SnapshotRow>(
          'SELECT doc_id, through_seq, hex(data) AS data FROM doc_snapshots ORDER BY doc_id',
        )
        .all(),
    }
  } finally {
    db.close()
  }
}

/**
 * A file as a version 2 build left it: the global AUTOINCREMENT seqs, interleaved across three
 * documents, written and compacted with that build's SQL.
 *
 * - `partly`: compacted through its third row; one row after the snapshot is left.
 * - `whole`: compacted through its last row, which is also the highest seq of the file, so its
 *   log is empty and only `sqlite_sequence` and the snapshot remember how far it went.
 * - `never`: rows only, no snapshot.
 */
const writeVersion2File = (file: string) => {
  const db = new Database(file)
  try {
    db.pragma('journal_mode = WAL')
    db.pragma('foreign_keys = ON')
    migrate(db, 2)
    expect(db.pragma('user_version', { simple: true })).toBe(2)

    const worldId = randomUUID()
    db.prepare('INSERT INTO worlds (id, name, created_at) VALUES (?, ?, ?)').run(
      worldId,
      'Aster',
      T0,
    )
    const insertElement = db.prepare(
      `INSERT INTO elements (id, world_id, kind, name, summary, created_at, updated_at)
       VALUES (?, ?, 'note', ?, '', ?, ?)`,
    )
    // Migration 1's log: the seq comes from AUTOINCREMENT.
    const insertUpdate = db.prepare('INSERT INTO doc_updates (doc_id, data) VALUES (?, ?)')
    const append = (docId: string, update: Uint8Array): number =>
      Number(insertUpdate.run(docId, update).lastInsertRowid)
    const compact = (docId: string, snapshot: Uint8Array, throughSeq: number) => {
      db.prepare('INSERT INTO doc_snapshots (doc_id, data, through_seq) VALUES (?, ?, ?)').run(
        docId,
        snapshot,
        throughSeq,
      )
      db.prepare('DELETE FROM doc_updates WHERE doc_id = ? AND seq <= ?').run(docId, throughSeq)
    }

    const names = ['partly', 'whole', 'never'] as const
    const docs = Object.fromEntries(
      names.map((name) => {
        const seed: ElementSeed = { kind: 'note', name, summary: '' }
        const id = randomUUID()
        insertElement.run(id, worldId, name, T0, T0)
        const replica = new Y.Doc()
        const seedUpdate = encodeSeedUpdate(seed)
        Y.applyUpdate(replica, seedUpdate)
        return [name, { id, replica, seqs: [append(id, seedUpdate)] }]
      }),
    ) as Record<(typeof names)[number], { id: string; replica: Y.Doc; seqs: number[] }>

    // Interleaved, as a group commit of several documents writes them.
    for (const round of [1, 2, 3]) {
      for (const name of names) {
        if (name === 'never' && round === 3) continue
        const doc = docs[name]
        doc.seqs.push(append(doc.id, addTag(doc.replica, `${name}-${round}`)))
      }
    }
    const { partly, whole, never } = docs
    // `partly`: a snapshot of the seed and two edits, then one more edit.
    const partlyCovered = new Y.Doc()
    const partlyRows = db
      .prepare<[string], { data: Buffer }>(
        'SELECT data FROM doc_updates WHERE doc_id = ? ORDER BY seq LIMIT 3',
      )
      .all(partly.id)
    for (const row of partlyRows) Y.applyUpdate(partlyCovered, row.data)
    compact(partly.id, Y.encodeStateAsUpdate(partlyCovered), partly.seqs[2] ?? 0)
    // `whole`: everything, through the highest seq the file ever gave out.
    compact(whole.id, Y.encodeStateAsUpdate(whole.replica), whole.seqs.at(-1) ?? 0)

    const highest = db
      .prepare<[], number>("SELECT seq FROM sqlite_sequence WHERE name = 'doc_updates'")
      .pluck()
      .get()
    expect(highest).toBe(whole.seqs.at(-1))
    expect(Math.max(...partly.seqs, ...never.seqs)).toBeLessThan(highest ?? 0)
    return { partly, whole, never }
  } finally {
    db.close()
  }
}

/** How a version 2 build loaded a document (the SQL of that build's SqliteStore). */
const loadAsVersion2 = (file: string, docId: string) => {
  const db = new Database(file, { readonly: true, fileMustExist: true })
  try {
    const snapshot = db
      .prepare<[string], { data: Buffer; through_seq: number }>(
        'SELECT data, through_seq FROM doc_snapshots WHERE doc_id = ?',
      )
      .get(docId)
    const rows = db
      .prepare<[string], { seq: number; data: Buffer }>(
        'SELECT seq, data FROM doc_updates WHERE doc_id = ? ORDER BY seq',
      )
      .all(docId)
    return {
      snapshot: snapshot ? hex(snapshot.data) : null,
      updates: rows.map((row) => hex(row.data)),
      lastSeq: Math.max(rows.at(-1)?.seq ?? 0, snapshot?.through_seq ?? 0),
    }
  } finally {
    db.close()
  }
}

describe('SQLite schema migration 3: the log keyed by document and seq', () => {
  let dir: TempDir
  let file: string
  const opened: SqliteStore[] = []

  const open = (writerThread = false): SqliteStore => {
    const store = openSqliteStore({ file, synchronous: 'full', writerThread })
    opened.push(store)
    return store
  }

  beforeEach(async () => {
    dir = await makeTempDir('loresync-migrate-')
    file = join(dir.path, 'loresync.db')
  })

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close()
    await dir.remove()
  })

  it('keeps every row, seq and snapshot of a version 2 file byte for byte, and loads the same documents', async () => {
    const docs = writeVersion2File(file)
    const before = readAll(file)
    const loadedBefore = Object.values(docs).map((doc) => loadAsVersion2(file, doc.id))
    expect(before.rows).toHaveLength(1 + 0 + 3)
    expect(before.snapshots).toHaveLength(2)

    const store = open()

    expect(readAll(file)).toEqual(before)
    for (const [index, doc] of Object.values(docs).entries()) {
      const loaded = await store.loadDocument(doc.id)
      expect(comparable(loaded)).toEqual(loadedBefore[index])
      expect(loaded && observe(rebuildFromStorage(loaded))).toEqual(observe(doc.replica))
    }

    const db = new Database(file, { readonly: true, fileMustExist: true })
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
      expect(db.pragma('foreign_key_check')).toEqual([])
      const schema = db
        .prepare<[], { type: string; name: string; tbl_name: string; sql: string | null }>(
          "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE tbl_name = 'doc_updates'",
        )
        .all()
      // One clustered table, no separate index, no leftover of the rebuild.
      expect(schema.map(({ type, name }) => ({ type, name }))).toEqual([
        { type: 'table', name: 'doc_updates' },
      ])
      expect(schema[0]?.sql).toMatch(/PRIMARY KEY \(doc_id, seq\)\s*\)\s*STRICT, WITHOUT ROWID$/)
      expect(db.prepare("SELECT name FROM sqlite_schema WHERE name LIKE 'new_%'").all()).toEqual([])
      expect(db.prepare('SELECT name, seq FROM sqlite_sequence').all()).toEqual([])
    } finally {
      db.close()
    }
  })

  it('gives a new row of a migrated document a seq above its snapshot and every seq it had', async () => {
    const { partly, whole, never } = writeVersion2File(file)
    const store = open()
    const edits = {
      partly: addTag(partly.replica, 'after'),
      whole: addTag(whole.replica, 'after'),
      never: addTag(never.replica, 'after'),
    }

    const { seqs } = await store.appendUpdates([
      entry(whole.id, edits.whole),
      entry(partly.id, edits.partly),
      entry(never.id, edits.never),
    ])

    const [wholeSeq, partlySeq, neverSeq] = seqs
    // `whole` has no row left: only its snapshot's through_seq keeps the seq above the old ones.
    expect(wholeSeq).toBeGreaterThan(Math.max(...whole.seqs))
    expect(partlySeq).toBeGreaterThan(Math.max(...partly.seqs))
    expect(neverSeq).toBeGreaterThan(Math.max(...never.seqs))
    for (const [name, doc] of Object.entries({ partly, whole, never })) {
      const loaded = await store.loadDocument(doc.id)
      expect(loaded?.updates.map(hex).at(-1), name).toBe(hex(edits[name as keyof typeof edits]))
      expect(loaded && observe(rebuildFromStorage(loaded)), name).toEqual(observe(doc.replica))
    }
    expect((await store.loadDocument(whole.id))?.lastSeq).toBe(wholeSeq)
  })

  it('appends above a migrated snapshot on the writer thread too', async () => {
    const { whole } = writeVersion2File(file)
    const store = open(true)
    const edit = addTag(whole.replica, 'threaded')

    const { seqs } = await store.appendUpdates([entry(whole.id, edit)])

    expect(seqs[0]).toBeGreaterThan(Math.max(...whole.seqs))
    const loaded = await store.loadDocument(whole.id)
    expect(loaded?.updates.map(hex)).toEqual([hex(edit)])
    expect(loaded && observe(rebuildFromStorage(loaded))).toEqual(observe(whole.replica))
  })

  it('leaves a version 2 file untouched when its log cannot be copied (a row of no element)', () => {
    writeVersion2File(file)
    const db = new Database(file)
    try {
      // Only a connection with foreign keys off could ever have written this row.
      db.pragma('foreign_keys = OFF')
      db.prepare('INSERT INTO doc_updates (doc_id, data) VALUES (?, ?)').run(
        randomUUID(),
        Buffer.from([0, 0]),
      )
    } finally {
      db.close()
    }
    const before = readAll(file)

    expect(() => open()).toThrow(/FOREIGN KEY/)

    expect(readAll(file)).toEqual(before)
    const check = new Database(file, { readonly: true, fileMustExist: true })
    try {
      expect(check.pragma('user_version', { simple: true })).toBe(2)
      expect(
        check.prepare("SELECT name FROM sqlite_schema WHERE name = 'doc_updates_by_doc'").all(),
      ).toHaveLength(1)
    } finally {
      check.close()
    }
  })
})

describe.each([
  ['in-thread', false],
  ['on the writer thread', true],
] as const)('SQLite log seqs, written %s', (_mode, writerThread) => {
  let dir: TempDir
  let file: string
  let store: SqliteStore

  /** A new element and a replica of its document, seeded as the HTTP API seeds one. */
  const seeded = async (worldId: string) => {
    const seed: ElementSeed = { kind: 'item', name: randomUUID(), summary: '' }
    const element: ElementRecord = { id: randomUUID(), worldId, ...seed, updatedAt: T0 }
    const seedUpdate = encodeSeedUpdate(seed)
    await store.createElement(element, seedUpdate)
    const replica = new Y.Doc()
    Y.applyUpdate(replica, seedUpdate)
    return { id: element.id, replica }
  }

  const world = async (): Promise<string> => {
    const id = randomUUID()
    await store.createWorld({ id, name: 'Aster', createdAt: T0 })
    return id
  }

  beforeEach(async () => {
    dir = await makeTempDir('loresync-seqs-')
    file = join(dir.path, 'loresync.db')
    store = openSqliteStore({ file, synchronous: 'full', writerThread })
  })

  afterEach(async () => {
    await store.close()
    await dir.remove()
  })

  it('never reuses a seq after compaction deleted every row of the document', async () => {
    const doc = await seeded(await world())
    const { seqs } = await store.appendUpdates(
      ['a', 'b'].map((tag) => entry(doc.id, addTag(doc.replica, tag))),
    )
    const throughSeq = seqs[1] ?? Infinity
    await store.compact({ docId: doc.id, snapshot: Y.encodeStateAsUpdate(doc.replica), throughSeq })
    expect(await store.countUpdates(doc.id)).toBe(0)

    const next = addTag(doc.replica, 'c')
    const { seqs: after } = await store.appendUpdates([entry(doc.id, next)])

    expect(after[0]).toBeGreaterThan(throughSeq)
    const loaded = await store.loadDocument(doc.id)
    expect(loaded?.updates.map(hex)).toEqual([hex(next)])
    expect(loaded?.lastSeq).toBe(after[0])
    expect(loaded && observe(rebuildFromStorage(loaded))).toEqual(observe(doc.replica))

    // And across a reopen, which starts from what is on disk alone.
    await store.close()
    store = openSqliteStore({ file, synchronous: 'full', writerThread })
    await store.compact({
      docId: doc.id,
      snapshot: Y.encodeStateAsUpdate(doc.replica),
      throughSeq: after[0] ?? Infinity,
    })
    const last = addTag(doc.replica, 'd')
    const { seqs: reopened } = await store.appendUpdates([entry(doc.id, last)])
    expect(reopened[0]).toBeGreaterThan(after[0] ?? Infinity)
    const reloaded = await store.loadDocument(doc.id)
    expect(reloaded?.updates.map(hex)).toEqual([hex(last)])
    expect(reloaded && observe(rebuildFromStorage(reloaded))).toEqual(observe(doc.replica))
  })

  it('numbers the rows of each document in one batch in order, counting per document', async () => {
    const worldId = await world()
    const a = await seeded(worldId)
    const b = await seeded(worldId)
    const gone = await seeded(worldId)
    await store.deleteElement(gone.id)
    const updates = {
      a: ['a1', 'a2', 'a3'].map((tag) => addTag(a.replica, tag)),
      b: ['b1', 'b2'].map((tag) => addTag(b.replica, tag)),
    }

    const { seqs } = await store.appendUpdates([
      entry(a.id, updates.a[0] ?? new Uint8Array()),
      entry(b.id, updates.b[0] ?? new Uint8Array()),
      entry(a.id, updates.a[1] ?? new Uint8Array()),
      entry(gone.id, addTag(gone.replica, 'lost')),
      entry(a.id, updates.a[2] ?? new Uint8Array()),
      entry(b.id, updates.b[1] ?? new Uint8Array()),
    ])

    // Each seed took seq 1 of its own document; the other document's rows do not move the count.
    expect(seqs).toEqual([2, 2, 3, 0, 4, 3])
    const loadedA = await store.loadDocument(a.id)
    expect(loadedA?.updates.slice(1).map(hex)).toEqual(updates.a.map(hex))
    expect(loadedA?.lastSeq).toBe(4)
    const loadedB = await store.loadDocument(b.id)
    expect(loadedB?.updates.slice(1).map(hex)).toEqual(updates.b.map(hex))
    expect(loadedB?.lastSeq).toBe(3)
  })

  it('writes one page to the WAL for a commit to one document', async () => {
    const worldId = await world()
    const docs = [await seeded(worldId), await seeded(worldId)]
    const side = new Database(file, { readonly: true, fileMustExist: true })
    const pageSize = Number(side.pragma('page_size', { simple: true }))
    side.close()
    const walBytes = () => statSync(`${file}-wal`).size
    const grown: number[] = []

    // Small rows into a log that fits one leaf: no b-tree rebalancing, only the row itself. The
    // element rows were written at T0, so `updated_at` is not rewritten either.
    for (const [index, doc] of [...docs, ...docs, ...docs].entries()) {
      const before = walBytes()
      await store.appendUpdates([entry(doc.id, addTag(doc.replica, `t${index}`))])
      grown.push(walBytes() - before)
    }

    // A WAL frame is a 24-byte header and one page.
    expect(grown).toEqual(grown.map(() => pageSize + 24))
  })
})
