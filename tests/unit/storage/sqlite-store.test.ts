import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { encodeSeedUpdate, getTags, type ElementSeed } from '../../../shared/element-doc.ts'
import { SCHEMA_VERSION } from '../../../server/storage/sqlite/schema.ts'
import {
  openSqliteStore,
  type SqliteStore,
  type SqliteSynchronous,
} from '../../../server/storage/sqlite/sqlite-store.ts'
import type { ElementRecord, WorldRecord } from '../../../server/storage/store.ts'
import { describeAccountStoreContract } from './account-store-contract.ts'
import { describeStoreContract } from './store-contract.ts'

const tempDir = (): Promise<string> => mkdtemp(join(tmpdir(), 'loresync-sqlite-'))

const makeStore = async () => {
  const dir = await tempDir()
  const store = openSqliteStore({ file: join(dir, 'loresync.db'), synchronous: 'full' })
  return {
    store,
    cleanup: async () => {
      await store.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

describeStoreContract('SqliteStore', makeStore)
describeAccountStoreContract('SqliteStore', makeStore)

const SEED: ElementSeed = { kind: 'location', name: 'Harrow', summary: 'A port town.' }
const T0 = '2024-05-01T10:00:00.000Z'
const T1 = '2024-05-01T10:05:00.000Z'

describe('SqliteStore on disk', () => {
  let dir: string
  let file: string
  const opened: SqliteStore[] = []

  const open = (synchronous: SqliteSynchronous = 'full'): SqliteStore => {
    const store = openSqliteStore({ file, synchronous })
    opened.push(store)
    return store
  }

  /** A second, independent connection: what another process would see on disk. */
  const inspect = <T>(read: (db: Database.Database) => T): T => {
    const db = new Database(file, { readonly: true, fileMustExist: true })
    try {
      return read(db)
    } finally {
      db.close()
    }
  }

  /** A world, an element, three edits, a snapshot through the second, and one edit after it. */
  const populate = async (store: SqliteStore) => {
    const world: WorldRecord = { id: randomUUID(), name: 'Aster', createdAt: T0 }
    const element: ElementRecord = { id: randomUUID(), worldId: world.id, ...SEED, updatedAt: T0 }
    const seedUpdate = encodeSeedUpdate(SEED)
    await store.createWorld(world)
    await store.createElement(element, seedUpdate)
    const doc = new Y.Doc()
    Y.applyUpdate(doc, seedUpdate)
    const edits = ['a', 'b', 'c'].map((tag) => {
      const before = Y.encodeStateVector(doc)
      getTags(doc).push([tag])
      return Y.encodeStateAsUpdate(doc, before)
    })
    const { seqs } = await store.appendUpdates(
      edits.map((update) => ({ docId: element.id, update, updatedAt: T1 })),
    )
    const snapshotDoc = new Y.Doc()
    for (const update of [seedUpdate, ...edits.slice(0, 2)]) Y.applyUpdate(snapshotDoc, update)
    const snapshot = Y.encodeStateAsUpdate(snapshotDoc)
    await store.compact({ docId: element.id, snapshot, throughSeq: seqs[1] ?? 0 })
    return { world, element, doc, snapshot, lastEdit: edits[2], seqs }
  }

  beforeEach(async () => {
    dir = await tempDir()
    file = join(dir, 'loresync.db')
  })

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('keeps everything across close and reopen', async () => {
    const first = open()
    const { world, element, snapshot, lastEdit, seqs } = await populate(first)
    const before = await first.loadDocument(element.id)
    const stats = await first.stats()
    await first.close()

    const second = open()
    expect(await second.listWorlds()).toEqual([world])
    expect(await second.getElement(element.id)).toEqual({ ...element, updatedAt: T1 })
    const after = await second.loadDocument(element.id)
    expect(after).toEqual(before)
    expect(after?.snapshot).toEqual(snapshot)
    expect(after?.updates).toEqual([lastEdit])
    expect(after?.lastSeq).toBe(seqs[2])
    expect(await second.stats()).toEqual(stats)
  })

  // Seqs count per document (schema migration 3), so "never reused" is a promise per document:
  // its snapshot's through_seq keeps counting when compaction has deleted its newest rows.
  it("never reuses a document's seq, even after the rows with its highest seqs are gone", async () => {
    const first = open()
    const { element, doc, seqs } = await populate(first)
    const highest = seqs[2] ?? Infinity
    await first.compact({
      docId: element.id,
      snapshot: Y.encodeStateAsUpdate(doc),
      throughSeq: highest,
    })
    expect(await first.countUpdates(element.id)).toBe(0)
    await first.close()

    const second = open()
    const before = Y.encodeStateVector(doc)
    getTags(doc).push(['d'])
    const update = Y.encodeStateAsUpdate(doc, before)
    const { seqs: next } = await second.appendUpdates([
      { docId: element.id, update, updatedAt: T1 },
    ])
    expect(next[0]).toBeGreaterThan(highest)
    const loaded = await second.loadDocument(element.id)
    expect(loaded?.updates).toEqual([update])
    expect(loaded?.lastSeq).toBe(next[0])
  })

  it('leaves a file that passes integrity and foreign key checks', async () => {
    const store = open()
    const { element } = await populate(store)
    await populate(store)
    await store.deleteElement(element.id)
    await store.close()

    inspect((db) => {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
      expect(db.pragma('foreign_key_check')).toEqual([])
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    })
  })

  it('removes log and snapshot rows with their element', async () => {
    const store = open()
    const { element } = await populate(store)
    const kept = await populate(store)
    await store.deleteElement(element.id)

    const rowsOf = (table: string) => (db: Database.Database) =>
      db.prepare<[string], number>(`SELECT count(*) FROM ${table} WHERE doc_id = ?`).pluck()
    expect(inspect((db) => rowsOf('doc_updates')(db).get(element.id))).toBe(0)
    expect(inspect((db) => rowsOf('doc_snapshots')(db).get(element.id))).toBe(0)
    expect(inspect((db) => rowsOf('doc_updates')(db).get(kept.element.id))).toBe(1)
    expect(inspect((db) => rowsOf('doc_snapshots')(db).get(kept.element.id))).toBe(1)
  })

  it('counts stats bytes as the payload of updates and snapshots', async () => {
    const store = open()
    const { snapshot, lastEdit } = await populate(store)
    expect(await store.stats()).toEqual({
      documents: 1,
      updateRows: 1,
      bytes: snapshot.byteLength + (lastEdit?.byteLength ?? 0),
    })
  })

  it.each([
    ['full', 2],
    ['normal', 1],
  ] as const)('applies synchronous=%s (PRAGMA reads %i), WAL and foreign keys', (mode, level) => {
    expect(open(mode).settings()).toEqual({
      journalMode: 'wal',
      synchronous: level,
      foreignKeys: true,
      busyTimeoutMs: 5000,
      walAutocheckpointPages: 10_000,
    })
  })

  it('refuses an unknown synchronous setting', () => {
    const off: string = 'off'
    expect(() => openSqliteStore({ file, synchronous: off as SqliteSynchronous })).toThrow(
      /synchronous/,
    )
  })

  it('migrates a new file once and reopens an up-to-date one unchanged', async () => {
    await populate(open())
    const second = open()
    expect((await second.stats()).documents).toBe(1)
    inspect((db) => expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION))
  })

  it('refuses a file written by a newer schema and leaves its schema alone', () => {
    const db = new Database(file)
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`)
    db.close()

    expect(() => open()).toThrow(/newer Loresync/)
    inspect((db) => {
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1)
      expect(db.prepare('SELECT name FROM sqlite_schema').all()).toEqual([])
    })
  })

  it('rejects rather than throws once closed', async () => {
    const store = open()
    await store.close()
    const pending = store.getWorld(randomUUID())
    await expect(pending).rejects.toThrow(/not open/)
  })
})
