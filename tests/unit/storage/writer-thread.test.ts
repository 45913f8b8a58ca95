/**
 * The SQLite writer thread: the log's writes commit on a worker thread, and a write resolves only
 * once it is committed. Real files in a temp folder; the misbehaving-thread cases use a stand-in
 * worker (support/fake-writer-worker.mjs) so a crash lands at a known moment.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openSqliteStore, type SqliteStore } from '../../../server/storage/sqlite/sqlite-store.ts'
import {
  ThreadedLogWriter,
  WriterThread,
  WriterThreadStoppedError,
} from '../../../server/storage/sqlite/writer-thread.ts'
import type { AppendEntry, ElementRecord } from '../../../server/storage/store.ts'

const T0 = '2024-05-01T10:00:00.000Z'
const FAKE_WORKER = new URL('./support/fake-writer-worker.mjs', import.meta.url)

const element = (id: string): ElementRecord => ({
  id,
  worldId: 'w',
  kind: 'note',
  name: id,
  summary: '',
  updatedAt: T0,
})

const entry = (docId: string, byte: number): AppendEntry => ({
  docId,
  update: new Uint8Array([byte, byte, byte]),
  updatedAt: T0,
})

/** Attaches a handler at once, so a rejection is never unhandled while a test waits. */
const settle = <T>(promise: Promise<T>): Promise<PromiseSettledResult<T>> =>
  promise.then(
    (value) => ({ status: 'fulfilled' as const, value }),
    (reason: unknown) => ({ status: 'rejected' as const, reason }),
  )

describe('SqliteStore with its writer thread', () => {
  let dir: string
  let file: string
  let store: SqliteStore

  /** Another connection, as another process would read the file. */
  const rowsOnDisk = (docId: string): number[] => {
    const db = new Database(file, { readonly: true, fileMustExist: true })
    try {
      return db
        .prepare<[string], number>('SELECT seq FROM doc_updates WHERE doc_id = ? ORDER BY seq')
        .pluck()
        .all(docId)
    } finally {
      db.close()
    }
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loresync-writer-'))
    file = join(dir, 'loresync.db')
    store = openSqliteStore({ file, synchronous: 'full', writerThread: true })
    await store.createWorld({ id: 'w', name: 'World', createdAt: T0 })
    await store.createElement(element('a'), new Uint8Array([0]))
  })

  afterEach(async () => {
    await store.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('resolves an append only once another connection can read its row', async () => {
    for (let i = 1; i <= 5; i++) {
      const { seqs } = await store.appendUpdates([entry('a', i)])
      expect(rowsOnDisk('a')).toContain(seqs[0])
    }
  })

  it('commits appends in the order they were made, and compaction between them', async () => {
    const first = store.appendUpdates([entry('a', 1), entry('a', 2)])
    const second = store.appendUpdates([entry('a', 3)])
    const [one, two] = await Promise.all([first, second])
    const seqs = [...one.seqs, ...two.seqs]
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y))
    const through = seqs[1] ?? 0
    const compacted = store.compact({
      docId: 'a',
      snapshot: new Uint8Array([9]),
      throughSeq: through,
    })
    const after = store.appendUpdates([entry('a', 4)])
    await compacted
    const { seqs: later } = await after
    expect(rowsOnDisk('a')).toEqual([seqs[2], later[0]])
    const loaded = await store.loadDocument('a')
    expect(loaded?.snapshot).toEqual(new Uint8Array([9]))
    expect(loaded?.updates).toHaveLength(2)
  })

  it('hands back the SQLite error of a failed commit, with its code, and keeps writing', async () => {
    const other = new Database(file)
    other.exec(`CREATE TRIGGER refuse BEFORE INSERT ON doc_updates
                BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`)
    const failed = await settle(store.appendUpdates([entry('a', 1)]))
    expect(failed.status).toBe('rejected')
    if (failed.status === 'rejected') {
      expect(failed.reason).toBeInstanceOf(Error)
      expect((failed.reason as Error).message).toBe('refused by the test')
      expect((failed.reason as { code?: unknown }).code).toBe('SQLITE_CONSTRAINT_TRIGGER')
    }
    expect(rowsOnDisk('a')).toHaveLength(1)
    other.exec('DROP TRIGGER refuse')
    other.close()
    const { seqs } = await store.appendUpdates([entry('a', 2)])
    expect(rowsOnDisk('a')).toContain(seqs[0])
  })

  it('close waits for every write asked for before it, then refuses more', async () => {
    const writes = Array.from({ length: 20 }, (_, i) => store.appendUpdates([entry('a', i)]))
    await store.close()
    const results = await Promise.all(writes)
    expect(rowsOnDisk('a')).toHaveLength(21)
    expect(rowsOnDisk('a')).toEqual(expect.arrayContaining(results.map((r) => r.seqs[0])))
    await expect(store.appendUpdates([entry('a', 99)])).rejects.toThrow(/closed/)
  })

  it('does not keep a process alive that never closes its store', async () => {
    const script = `
      import { mkdtempSync } from 'node:fs'
      import { tmpdir } from 'node:os'
      import { join } from 'node:path'
      import { openSqliteStore } from ${JSON.stringify(
        new URL('../../../server/storage/sqlite/sqlite-store.ts', import.meta.url).href,
      )}
      const store = openSqliteStore({ file: join(mkdtempSync(join(tmpdir(), 'lw-')), 'x.db'), synchronous: 'full', writerThread: true })
      await store.createWorld({ id: 'w', name: 'w', createdAt: 'now' })
      await store.createElement({ id: 'a', worldId: 'w', kind: 'note', name: 'a', summary: '', updatedAt: 'now' }, new Uint8Array([0]))
      const { seqs } = await store.appendUpdates([{ docId: 'a', update: new Uint8Array([1]), updatedAt: 'now' }])
      console.log('committed', seqs[0])
    `
    const run = promisify(execFile)
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        timeout: 20_000,
      },
    )
    expect(stdout.trim()).toBe('committed 2')
  })
})

describe('ThreadedLogWriter when the thread misbehaves', () => {
  const settings = { file: '/nonexistent', synchronousPragma: 'FULL', busyTimeoutMs: 10 }

  it('rejects the write in flight when the thread crashes, and works again on a new thread', async () => {
    const thread = new WriterThread(FAKE_WORKER)
    const writer = new ThreadedLogWriter(settings, thread)
    const crashed = settle(writer.appendUpdates([entry('crash', 1)]))
    const queued = settle(writer.appendUpdates([entry('fine', 1)]))
    const [first, second] = await Promise.all([crashed, queued])
    for (const result of [first, second]) {
      expect(result.status).toBe('rejected')
      if (result.status === 'rejected') {
        expect(result.reason).toBeInstanceOf(WriterThreadStoppedError)
        expect(String(result.reason)).toMatch(/fake writer crashed mid-commit.*not acknowledged/)
      }
    }
    const generation = thread.generation
    await expect(writer.appendUpdates([entry('fine', 1)])).resolves.toEqual([1])
    expect(thread.generation).toBe(generation + 1)
    await writer.close()
  })

  it('rejects a write the thread never answers once the thread is ended', async () => {
    const thread = new WriterThread(FAKE_WORKER)
    const writer = new ThreadedLogWriter(settings, thread)
    const hung = settle(writer.appendUpdates([entry('hang', 1)]))
    await thread.terminate()
    const result = await hung
    expect(result.status).toBe('rejected')
    if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(WriterThreadStoppedError)
    await writer.close()
  })

  it('fails writes with the reason when the real thread cannot open the file', async () => {
    const writer = new ThreadedLogWriter({
      ...settings,
      file: join(tmpdir(), 'no-such-dir', 'x.db'),
    })
    await expect(writer.appendUpdates([entry('a', 1)])).rejects.toThrow(/not open \(.+\)/)
    await writer.close()
  })
})
