/**
 * Group commit: updates that arrive close together share one `appendUpdates` transaction, so one
 * fsync acknowledges many clients.
 *
 * The protocol order:
 * 1. `append` queues the entry; the first entry of an idle committer closes its batch with
 *    `setImmediate`, so everything appended in the same turn of the event loop (every socket
 *    message read in one poll phase) commits together.
 * 2. At most one commit is in flight. Entries appended meanwhile wait, and the moment it settles
 *    the next batch takes all of them (up to the bounds).
 * 3. Each promise settles with its own batch: the seq on success (0 when the element was deleted
 *    in the meantime), the store's error on failure. A failed batch fails only its own entries;
 *    the caller does not acknowledge them and the client resends.
 *
 * Batches commit in append order, so when the last entry appended before `flush` has settled,
 * every earlier one has too.
 *
 * The committer does not own the store: closing it leaves the store open.
 */
import type { AppendEntry, DocumentStore } from './store.ts'

export interface CommitInfo {
  readonly entries: number
  readonly bytes: number
  /** Time spent inside `appendUpdates`. */
  readonly ms: number
}

export interface GroupCommitterOptions {
  /** The most entries one transaction takes; the rest wait for the next. Default 1000. */
  readonly maxBatchEntries?: number
  /**
   * The most update bytes one transaction takes. An entry larger than this on its own still
   * commits, alone. Default 8 MiB.
   */
  readonly maxBatchBytes?: number
  /** Called after each successful commit, once its promises are resolved. For metrics. */
  readonly onCommit?: (info: CommitInfo) => void
}

export const DEFAULT_MAX_BATCH_ENTRIES = 1000
export const DEFAULT_MAX_BATCH_BYTES = 8 * 1024 * 1024

interface Queued {
  readonly entry: AppendEntry
  readonly resolve: (seq: number) => void
  readonly reject: (error: unknown) => void
}

interface FlushWaiter {
  /** Resolve once this many entries have settled. */
  readonly appended: number
  readonly resolve: () => void
}

export class GroupCommitter {
  private readonly store: DocumentStore
  private readonly maxBatchEntries: number
  private readonly maxBatchBytes: number
  private readonly onCommit: ((info: CommitInfo) => void) | undefined

  private queue: Queued[] = []
  private scheduled = false
  private draining = false
  private closed = false
  private appended = 0
  private settled = 0
  private flushWaiters: FlushWaiter[] = []

  constructor(store: DocumentStore, options: GroupCommitterOptions = {}) {
    this.store = store
    this.maxBatchEntries = Math.max(1, options.maxBatchEntries ?? DEFAULT_MAX_BATCH_ENTRIES)
    this.maxBatchBytes = Math.max(1, options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES)
    this.onCommit = options.onCommit
  }

  /** Entries appended and not yet committed or failed. */
  get pending(): number {
    return this.appended - this.settled
  }

  /** Resolves with the entry's seq once its batch is durable; rejects if that batch failed. */
  append(entry: AppendEntry): Promise<number> {
    if (this.closed) {
      return Promise.reject(new Error('GroupCommitter is closed: no more updates can be stored.'))
    }
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ entry, resolve, reject })
      this.appended += 1
      this.schedule()
    })
  }

  /** Resolves once everything appended so far has committed or failed; never rejects. */
  flush(): Promise<void> {
    if (this.settled === this.appended) return Promise.resolve()
    return new Promise<void>((resolve) => {
      this.flushWaiters.push({ appended: this.appended, resolve })
    })
  }

  /** Refuses further appends and waits for the ones already accepted. */
  close(): Promise<void> {
    this.closed = true
    return this.flush()
  }

  private schedule(): void {
    // A running drain picks up new entries itself when its commit settles.
    if (this.draining || this.scheduled) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      void this.drain()
    })
  }

  /** Never rejects: `commit` turns every failure into rejections of the batch's promises. */
  private async drain(): Promise<void> {
    this.draining = true
    while (this.queue.length > 0) await this.commit(this.takeBatch())
    this.draining = false
  }

  private takeBatch(): Queued[] {
    let count = 0
    let bytes = 0
    for (const { entry } of this.queue) {
      const size = entry.update.byteLength
      if (count === this.maxBatchEntries) break
      if (count > 0 && bytes + size > this.maxBatchBytes) break
      count += 1
      bytes += size
    }
    return this.queue.splice(0, count)
  }

  private async commit(batch: readonly Queued[]): Promise<void> {
    const entries = batch.map((queued) => queued.entry)
    const started = performance.now()
    let seqs: readonly number[]
    try {
      seqs = (await this.store.appendUpdates(entries)).seqs
      if (seqs.length !== batch.length) {
        throw new Error(`The store returned ${seqs.length} seqs for a batch of ${batch.length}.`)
      }
    } catch (error) {
      for (const queued of batch) queued.reject(error)
      this.markSettled(batch.length)
      return
    }
    const ms = performance.now() - started
    seqs.forEach((seq, index) => batch[index]?.resolve(seq))
    this.markSettled(batch.length)
    this.report({ entries: batch.length, bytes: byteLength(entries), ms })
  }

  private markSettled(count: number): void {
    this.settled += count
    while (this.flushWaiters[0] && this.flushWaiters[0].appended <= this.settled) {
      this.flushWaiters.shift()?.resolve()
    }
  }

  private report(info: CommitInfo): void {
    try {
      this.onCommit?.(info)
    } catch (error) {
      // A metrics hook must not break persistence; the batch is already committed and resolved.
      console.error('GroupCommitter: the onCommit hook threw', error)
    }
  }
}

const byteLength = (entries: readonly AppendEntry[]): number =>
  entries.reduce((sum, entry) => sum + entry.update.byteLength, 0)
