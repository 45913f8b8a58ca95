/**
 * Group commit: updates that arrive close together share one `appendUpdates` transaction, so one
 * fsync acknowledges many clients.
 *
 * The protocol order:
 * 1. `append` queues the entry; the first entry of an idle committer closes its batch with
 *    `setImmediate`, so everything appended in the same turn of the event loop (every socket
 *    message read in one poll phase) commits together. Commits start at least `minIntervalMs`
 *    apart: under a steady stream of updates the batch then also takes what arrives in the next
 *    millisecond or two, instead of paying a transaction (and under `synchronous=FULL` an fsync
 *    that stalls the event loop) for every one or two updates. An idle committer still commits at
 *    once.
 * 2. At most one commit is in flight. Entries appended meanwhile wait, and the moment it settles
 *    the next batch takes all of them (up to the bounds).
 * 3. Each promise settles with its own batch: the seq on success (0 when the element was deleted
 *    in the meantime), the store's error on failure. A failed batch fails only its own entries;
 *    the caller does not acknowledge them and the client resends.
 *
 * `exclusive` tasks (compaction) wait in the same queue: one runs alone, after every entry queued
 * before it and before every entry queued after it.
 *
 * Work settles in queue order, so once the last item queued before `flush` has settled, every
 * earlier one has too.
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
  /** The least time between the starts of two commits. Default 2 ms; 0 commits every turn. */
  readonly minIntervalMs?: number
}

export const DEFAULT_MAX_BATCH_ENTRIES = 1000
export const DEFAULT_MAX_BATCH_BYTES = 8 * 1024 * 1024
/**
 * Measured (docs/benchmarks.md, T2 and T7): at 1,000 updates a second, transactions were a fifth of
 * the server's busy time with one commit per turn; 2 ms apart they batch several updates each, for
 * at most 2 ms more before an acknowledgement.
 */
export const DEFAULT_MIN_COMMIT_INTERVAL_MS = 2

interface QueuedEntry {
  readonly kind: 'entry'
  readonly entry: AppendEntry
  readonly resolve: (seq: number) => void
  readonly reject: (error: unknown) => void
}

interface QueuedTask {
  readonly kind: 'task'
  /** Settles the caller's promise itself; never rejects. */
  readonly run: () => Promise<void>
}

type Queued = QueuedEntry | QueuedTask

interface FlushWaiter {
  /** Resolve once this many queued items have settled. */
  readonly queued: number
  readonly resolve: () => void
}

const closedError = (): Error =>
  new Error('GroupCommitter is closed: no more updates can be stored.')

export class GroupCommitter {
  private readonly store: DocumentStore
  private readonly maxBatchEntries: number
  private readonly maxBatchBytes: number
  private readonly onCommit: ((info: CommitInfo) => void) | undefined
  private readonly minIntervalMs: number
  /** performance.now() when the last commit started; -Infinity before the first. */
  private lastCommitAt = Number.NEGATIVE_INFINITY

  private queue: Queued[] = []
  private scheduled = false
  private draining = false
  private closed = false
  private queued = 0
  private settled = 0
  private flushWaiters: FlushWaiter[] = []

  constructor(store: DocumentStore, options: GroupCommitterOptions = {}) {
    this.store = store
    this.maxBatchEntries = Math.max(1, options.maxBatchEntries ?? DEFAULT_MAX_BATCH_ENTRIES)
    this.maxBatchBytes = Math.max(1, options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES)
    this.onCommit = options.onCommit
    this.minIntervalMs = Math.max(0, options.minIntervalMs ?? DEFAULT_MIN_COMMIT_INTERVAL_MS)
  }

  /** Appends and exclusive tasks accepted and not yet settled. */
  get pending(): number {
    return this.queued - this.settled
  }

  /** Resolves with the entry's seq once its batch is durable; rejects if that batch failed. */
  append(entry: AppendEntry): Promise<number> {
    if (this.closed) return Promise.reject(closedError())
    return new Promise<number>((resolve, reject) => {
      this.enqueue({ kind: 'entry', entry, resolve, reject })
    })
  }

  /**
   * Runs `task` with no commit in flight, in queue order, and settles with its outcome. For work
   * that must not interleave with appends, such as compaction.
   */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(closedError())
    return new Promise<T>((resolve, reject) => {
      const run = async (): Promise<void> => {
        try {
          resolve(await task())
        } catch (error) {
          reject(error)
        }
      }
      this.enqueue({ kind: 'task', run })
    })
  }

  /** Resolves once everything queued so far has committed or failed; never rejects. */
  flush(): Promise<void> {
    if (this.settled === this.queued) return Promise.resolve()
    return new Promise<void>((resolve) => {
      this.flushWaiters.push({ queued: this.queued, resolve })
    })
  }

  /** Refuses further work and waits for what was already accepted. */
  close(): Promise<void> {
    this.closed = true
    return this.flush()
  }

  private enqueue(item: Queued): void {
    this.queue.push(item)
    this.queued += 1
    // A running drain picks new items up itself when its current work settles.
    if (this.draining || this.scheduled) return
    this.scheduled = true
    const start = (): void => {
      this.scheduled = false
      void this.drain()
    }
    const wait = this.lastCommitAt + this.minIntervalMs - performance.now()
    if (wait > 0) setTimeout(start, wait)
    else setImmediate(start)
  }

  /** Never rejects: commits and tasks turn every failure into a rejection of their own promises. */
  private async drain(): Promise<void> {
    this.draining = true
    for (let head = this.queue[0]; head; head = this.queue[0]) {
      if (head.kind === 'task') {
        this.queue.shift()
        await head.run()
        this.markSettled(1)
      } else {
        await this.commit(this.takeBatch())
      }
    }
    this.draining = false
  }

  /** The entries at the head of the queue, up to the bounds or the first task. */
  private takeBatch(): QueuedEntry[] {
    const batch: QueuedEntry[] = []
    let bytes = 0
    for (const item of this.queue) {
      if (item.kind === 'task' || batch.length === this.maxBatchEntries) break
      const size = item.entry.update.byteLength
      if (batch.length > 0 && bytes + size > this.maxBatchBytes) break
      batch.push(item)
      bytes += size
    }
    this.queue.splice(0, batch.length)
    return batch
  }

  private async commit(batch: readonly QueuedEntry[]): Promise<void> {
    const entries = batch.map((queued) => queued.entry)
    const started = performance.now()
    this.lastCommitAt = started
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
    while (this.flushWaiters[0] && this.flushWaiters[0].queued <= this.settled) {
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
