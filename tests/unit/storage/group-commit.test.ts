import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { encodeSeedUpdate } from '../../../shared/element-doc.ts'
import { GroupCommitter, type CommitInfo } from '../../../server/storage/group-commit.ts'
import { openSqliteStore } from '../../../server/storage/sqlite/sqlite-store.ts'
import type {
  AppendEntry,
  AppendResult,
  CompactRequest,
  DocumentStore,
  ElementRecord,
  StoreStats,
  StoredDocument,
  WorldRecord,
} from '../../../server/storage/store.ts'

interface Deferred<T> {
  readonly promise: Promise<T>
  readonly resolve: (value: T) => void
}

const deferred = <T = void>(): Deferred<T> => {
  let resolve: (value: T) => void = () => {}
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}

/** Attaches a handler at once, so a rejection is never unhandled while a test waits. */
const settle = <T>(promise: Promise<T>): Promise<PromiseSettledResult<T>> =>
  promise.then(
    (value) => ({ status: 'fulfilled' as const, value }),
    (reason: unknown) => ({ status: 'rejected' as const, reason }),
  )

/** One turn of the event loop: long enough for a `setImmediate` batch to close. Not a sleep. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/**
 * A real store with a hand on `appendUpdates`: it records every batch, can hold commits at a gate,
 * can fail the next commit, and tells a test when a commit starts.
 */
class ControlledStore implements DocumentStore {
  readonly batches: AppendEntry[][] = []
  inFlight = 0
  maxInFlight = 0
  /** Commits that start while this is set wait for it. */
  gate: Promise<void> | undefined
  /** The next commit fails with this error without reaching the real store. */
  failNext: Error | undefined
  private readonly inner: DocumentStore
  private startWaiters: ((batch: readonly AppendEntry[]) => void)[] = []

  constructor(inner: DocumentStore) {
    this.inner = inner
  }

  /** Resolves with the next batch handed to `appendUpdates`, when it is handed over. */
  nextCommit(): Promise<readonly AppendEntry[]> {
    return new Promise((resolve) => this.startWaiters.push(resolve))
  }

  async appendUpdates(entries: readonly AppendEntry[]): Promise<AppendResult> {
    this.batches.push([...entries])
    this.inFlight += 1
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
    for (const notify of this.startWaiters.splice(0)) notify(entries)
    try {
      await this.gate
      const failure = this.failNext
      this.failNext = undefined
      if (failure) throw failure
      return await this.inner.appendUpdates(entries)
    } finally {
      this.inFlight -= 1
    }
  }

  createWorld(world: WorldRecord): Promise<void> {
    return this.inner.createWorld(world)
  }
  listWorlds(): Promise<WorldRecord[]> {
    return this.inner.listWorlds()
  }
  getWorld(id: string): Promise<WorldRecord | undefined> {
    return this.inner.getWorld(id)
  }
  createElement(element: ElementRecord, seedUpdate: Uint8Array): Promise<void> {
    return this.inner.createElement(element, seedUpdate)
  }
  listElements(worldId: string): Promise<ElementRecord[]> {
    return this.inner.listElements(worldId)
  }
  getElement(id: string): Promise<ElementRecord | undefined> {
    return this.inner.getElement(id)
  }
  deleteElement(id: string): Promise<boolean> {
    return this.inner.deleteElement(id)
  }
  loadDocument(docId: string): Promise<StoredDocument | undefined> {
    return this.inner.loadDocument(docId)
  }
  compact(request: CompactRequest): Promise<void> {
    return this.inner.compact(request)
  }
  countUpdates(docId: string): Promise<number> {
    return this.inner.countUpdates(docId)
  }
  checkWritable(): Promise<void> {
    return this.inner.checkWritable()
  }
  stats(): Promise<StoreStats> {
    return this.inner.stats()
  }
  close(): Promise<void> {
    return this.inner.close()
  }
}

const T0 = '2024-05-01T10:00:00.000Z'

/** The store treats updates as opaque bytes; a numbered one makes order visible on load. */
const numbered = (n: number, size = 4): Uint8Array => {
  const bytes = new Uint8Array(size)
  new DataView(bytes.buffer).setUint32(0, n)
  return bytes
}

const hex = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')

describe('GroupCommitter', () => {
  let dir: string
  let store: ControlledStore
  let worldId: string

  const newElement = async (): Promise<string> => {
    const seed = { kind: 'note', name: 'Log', summary: '' } as const
    const element: ElementRecord = { id: randomUUID(), worldId, ...seed, updatedAt: T0 }
    await store.createElement(element, encodeSeedUpdate(seed))
    return element.id
  }

  const entryFor =
    (docId: string) =>
    (n: number, size?: number): AppendEntry => ({
      docId,
      update: numbered(n, size),
      updatedAt: T0,
    })

  /** The log of a document after its seed. */
  const loggedAfterSeed = async (docId: string): Promise<string[]> =>
    ((await store.loadDocument(docId))?.updates ?? []).slice(1).map(hex)

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loresync-group-commit-'))
    store = new ControlledStore(
      openSqliteStore({ file: join(dir, 'loresync.db'), synchronous: 'normal' }),
    )
    worldId = randomUUID()
    await store.createWorld({ id: worldId, name: 'Aster', createdAt: T0 })
  })

  afterEach(async () => {
    await store.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('commits appends made in the same turn in one appendUpdates call, in order', async () => {
    const docId = await newElement()
    const entry = entryFor(docId)
    const committer = new GroupCommitter(store)

    const seqs = await Promise.all(Array.from({ length: 20 }, (_, n) => committer.append(entry(n))))

    expect(store.batches.map((batch) => batch.length)).toEqual([20])
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs)
    expect(new Set(seqs).size).toBe(20)
    expect(await loggedAfterSeed(docId)).toEqual(seqs.map((_, n) => hex(numbered(n))))
  })

  it('keeps one commit in flight and batches what arrives meanwhile into the next', async () => {
    const docId = await newElement()
    const entry = entryFor(docId)
    const committer = new GroupCommitter(store)
    const gate = deferred()
    store.gate = gate.promise

    const started = store.nextCommit()
    const first = committer.append(entry(0))
    expect(await started).toEqual([entry(0)])
    const rest = [1, 2, 3].map((n) => committer.append(entry(n)))
    await nextTurn()

    expect(store.batches).toHaveLength(1)
    expect(committer.pending).toBe(4)
    gate.resolve()
    await Promise.all([first, ...rest])

    expect(store.batches.map((batch) => batch.length)).toEqual([1, 3])
    expect(store.maxInFlight).toBe(1)
    expect(committer.pending).toBe(0)
  })

  it('starts commits at least minIntervalMs apart and batches what arrives meanwhile', async () => {
    const docId = await newElement()
    const entry = entryFor(docId)
    vi.useFakeTimers({ toFake: ['setTimeout', 'setImmediate', 'performance'] })
    try {
      const committer = new GroupCommitter(store, { minIntervalMs: 5 })
      const first = committer.append(entry(0))
      await vi.advanceTimersByTimeAsync(0)
      await first
      expect(store.batches.map((batch) => batch.length)).toEqual([1])

      // Right after a commit: the next one waits out the interval and takes everything queued.
      const rest = [1, 2, 3].map((n) => committer.append(entry(n)))
      await vi.advanceTimersByTimeAsync(4)
      expect(store.batches).toHaveLength(1)
      await vi.advanceTimersByTimeAsync(1)
      await Promise.all(rest)
      expect(store.batches.map((batch) => batch.length)).toEqual([1, 3])

      // Long after the last commit, an append commits in the same turn as before.
      await vi.advanceTimersByTimeAsync(100)
      const late = committer.append(entry(4))
      await vi.advanceTimersByTimeAsync(0)
      await late
      expect(store.batches.map((batch) => batch.length)).toEqual([1, 3, 1])
    } finally {
      vi.useRealTimers()
    }
    expect(await loggedAfterSeed(docId)).toEqual([0, 1, 2, 3, 4].map((n) => hex(numbered(n))))
  })

  it('rejects only the failed batch, and later appends commit', async () => {
    const docId = await newElement()
    const entry = entryFor(docId)
    const committer = new GroupCommitter(store)
    const gate = deferred()
    store.gate = gate.promise
    const diskFull = new Error('disk full')
    store.failNext = diskFull

    const started = store.nextCommit()
    const failing = [0, 1].map((n) => settle(committer.append(entry(n))))
    await started
    const queued = [2, 3].map((n) => committer.append(entry(n)))
    gate.resolve()

    expect(await Promise.all(failing)).toEqual([
      { status: 'rejected', reason: diskFull },
      { status: 'rejected', reason: diskFull },
    ])
    const queuedSeqs = await Promise.all(queued)
    const laterSeq = await committer.append(entry(4))

    expect(store.batches.map((batch) => batch.length)).toEqual([2, 2, 1])
    expect(laterSeq).toBeGreaterThan(Math.max(...queuedSeqs))
    expect(await loggedAfterSeed(docId)).toEqual([2, 3, 4].map((n) => hex(numbered(n))))
    expect(committer.pending).toBe(0)
  })

  it('rejects the batch when the store answers with the wrong number of seqs', async () => {
    const docId = await newElement()
    class ForgetfulStore extends ControlledStore {
      override async appendUpdates(): Promise<AppendResult> {
        return { seqs: [] }
      }
    }
    const committer = new GroupCommitter(new ForgetfulStore(store))

    await expect(committer.append(entryFor(docId)(0))).rejects.toThrow(/seqs/)
    expect(committer.pending).toBe(0)
  })

  it('resolves seq 0 for an element deleted before its batch committed', async () => {
    const kept = await newElement()
    const gone = await newElement()
    await store.deleteElement(gone)
    const committer = new GroupCommitter(store)

    const [keptSeq, goneSeq] = await Promise.all([
      committer.append(entryFor(kept)(0)),
      committer.append(entryFor(gone)(1)),
    ])

    expect(keptSeq).toBeGreaterThan(0)
    expect(goneSeq).toBe(0)
  })

  it('flush waits for everything appended before it, committed or failed, and no more', async () => {
    const docId = await newElement()
    const entry = entryFor(docId)
    const committer = new GroupCommitter(store)
    await committer.flush() // idle: resolves at once

    const firstGate = deferred()
    store.gate = firstGate.promise
    store.failNext = new Error('transient')
    const started = store.nextCommit()
    const before = [0, 1].map((n) => settle(committer.append(entry(n))))
    await started

    let flushed = false
    const flushing = committer.flush().then(() => (flushed = true))
    // Appended after flush: it goes into a second commit that flush must not wait for.
    const secondGate = deferred()
    store.gate = secondGate.promise
    const after = committer.append(entry(2))
    await nextTurn()
    expect(flushed).toBe(false)

    const secondStarted = store.nextCommit()
    firstGate.resolve()
    await flushing
    expect((await Promise.all(before)).map((outcome) => outcome.status)).toEqual([
      'rejected',
      'rejected',
    ])
    expect(await secondStarted).toEqual([entry(2)])
    expect(committer.pending).toBe(1)

    secondGate.resolve()
    expect(await after).toBeGreaterThan(0)
  })

  it('bounds a batch by entries and by bytes; an oversized entry commits alone', async () => {
    const docId = await newElement()
    const entry = entryFor(docId)

    const byCount = new GroupCommitter(store, { maxBatchEntries: 10 })
    await Promise.all(Array.from({ length: 25 }, (_, n) => byCount.append(entry(n))))
    expect(store.batches.map((batch) => batch.length)).toEqual([10, 10, 5])

    store.batches.length = 0
    const byBytes = new GroupCommitter(store, { maxBatchBytes: 1000 })
    const sizes = [400, 400, 400, 5000, 100, 400]
    await Promise.all(sizes.map((size, n) => byBytes.append(entry(n, size))))
    expect(store.batches.map((batch) => batch.map((e) => e.update.byteLength))).toEqual([
      [400, 400],
      [400],
      [5000],
      [100, 400],
    ])
  })

  it('reports each successful commit to onCommit, and not failed ones', async () => {
    const docId = await newElement()
    const entry = entryFor(docId)
    const reports: CommitInfo[] = []
    const committer = new GroupCommitter(store, { onCommit: (info) => reports.push(info) })

    await Promise.all([committer.append(entry(0, 10)), committer.append(entry(1, 30))])
    store.failNext = new Error('nope')
    await expect(committer.append(entry(2))).rejects.toThrow('nope')

    expect(reports).toHaveLength(1)
    expect(reports[0]).toMatchObject({ entries: 2, bytes: 40 })
    expect(reports[0]?.ms).toBeGreaterThanOrEqual(0)
  })

  it('keeps committing when the onCommit hook throws, and reports the error', async () => {
    const docId = await newElement()
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    const committer = new GroupCommitter(store, {
      onCommit: () => {
        throw new Error('metrics broke')
      },
    })

    try {
      expect(await committer.append(entryFor(docId)(0))).toBeGreaterThan(0)
      expect(await committer.append(entryFor(docId)(1))).toBeGreaterThan(0)
      expect(errors).toHaveBeenCalledTimes(2)
    } finally {
      errors.mockRestore()
    }
  })

  it('runs an exclusive task alone, after the entries queued before it and before later ones', async () => {
    const docId = await newElement()
    const entry = entryFor(docId)
    const committer = new GroupCommitter(store)
    const gate = deferred()
    store.gate = gate.promise

    const started = store.nextCommit()
    const first = committer.append(entry(0))
    await started
    const before = committer.append(entry(1))
    const seen: { inFlight: number; batches: number }[] = []
    const task = committer.exclusive(async () => {
      seen.push({ inFlight: store.inFlight, batches: store.batches.length })
      return 'compacted'
    })
    const after = [2, 3].map((n) => committer.append(entry(n)))
    expect(committer.pending).toBe(5)
    const flushed = committer.flush()
    gate.resolve()

    expect(await task).toBe('compacted')
    await flushed
    await Promise.all([first, before, ...after])
    expect(seen).toEqual([{ inFlight: 0, batches: 2 }])
    expect(store.batches.map((batch) => batch.length)).toEqual([1, 1, 2])
    expect(committer.pending).toBe(0)
  })

  it('hands a failed exclusive task its error and keeps committing', async () => {
    const docId = await newElement()
    const committer = new GroupCommitter(store)
    const boom = new Error('compaction failed')

    const rejected = settle(committer.exclusive(() => Promise.reject(boom)))
    const thrown = settle(
      committer.exclusive(() => {
        throw boom
      }),
    )
    expect(await committer.append(entryFor(docId)(0))).toBeGreaterThan(0)
    expect(await Promise.all([rejected, thrown])).toEqual([
      { status: 'rejected', reason: boom },
      { status: 'rejected', reason: boom },
    ])
    expect(committer.pending).toBe(0)
  })

  it('close waits for accepted appends and refuses new ones', async () => {
    const docId = await newElement()
    const committer = new GroupCommitter(store)
    const gate = deferred()
    store.gate = gate.promise

    const accepted = committer.append(entryFor(docId)(0))
    let closed = false
    const closing = committer.close().then(() => (closed = true))
    await expect(committer.append(entryFor(docId)(1))).rejects.toThrow(/closed/)
    await expect(committer.exclusive(async () => 'late')).rejects.toThrow(/closed/)
    await nextTurn()
    expect(closed).toBe(false)

    gate.resolve()
    await closing
    expect(await accepted).toBeGreaterThan(0)
    expect(store.batches).toHaveLength(1)
  })

  it('settles every append exactly once, in order, under random arrivals and failures', async () => {
    type Step =
      | { readonly kind: 'append'; readonly count: number }
      | { readonly kind: 'turn' } // let the event loop move on
      | { readonly kind: 'fail' } // the next commit to start fails
      | { readonly kind: 'task' } // an exclusive task
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({ kind: fc.constant('append' as const), count: fc.integer({ min: 1, max: 6 }) }),
      fc.constant({ kind: 'turn' as const }),
      fc.constant({ kind: 'fail' as const }),
      fc.constant({ kind: 'task' as const }),
    )

    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { maxLength: 30 }),
        fc.integer({ min: 1, max: 5 }),
        async (steps, max) => {
          const docId = await newElement()
          const entry = entryFor(docId)
          store.batches.length = 0
          store.maxInFlight = 0
          store.failNext = undefined
          const committer = new GroupCommitter(store, { maxBatchEntries: max })
          const appended: Promise<PromiseSettledResult<number>>[] = []
          const tasks: Promise<void>[] = []

          for (const s of steps) {
            switch (s.kind) {
              case 'turn':
                await nextTurn()
                break
              case 'fail':
                store.failNext = new Error('injected')
                break
              case 'task': {
                // It must run with nothing in flight, after exactly the entries queued before it.
                const queuedBefore = appended.length
                tasks.push(
                  committer.exclusive(async () => {
                    expect(store.inFlight).toBe(0)
                    expect(store.batches.flat()).toHaveLength(queuedBefore)
                  }),
                )
                break
              }
              case 'append':
                for (let i = 0; i < s.count; i++) {
                  appended.push(settle(committer.append(entry(appended.length))))
                }
            }
          }
          await committer.flush()

          const outcomes = await Promise.all(appended)
          await Promise.all(tasks)
          expect(committer.pending).toBe(0)
          expect(store.maxInFlight).toBeLessThanOrEqual(1)
          for (const batch of store.batches) expect(batch.length).toBeLessThanOrEqual(max)
          // Every entry went to the store exactly once, in append order.
          expect(store.batches.flat().map((e) => hex(e.update))).toEqual(
            appended.map((_, n) => hex(numbered(n))),
          )
          const committed = outcomes.flatMap((outcome, n) =>
            outcome.status === 'fulfilled' ? [{ n, seq: outcome.value }] : [],
          )
          const seqs = committed.map(({ seq }) => seq)
          expect([...seqs].sort((a, b) => a - b)).toEqual(seqs)
          expect(await loggedAfterSeed(docId)).toEqual(committed.map(({ n }) => hex(numbered(n))))
        },
      ),
      { numRuns: 40 },
    )
  })
})
