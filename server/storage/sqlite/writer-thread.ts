/**
 * Runs the document log's writes on a worker thread (`writer-worker.mjs`) with connections of its
 * own.
 *
 * Why: better-sqlite3 is synchronous, and under `synchronous=FULL` every group commit waits for an
 * fsync. On the event loop that wait held back every delivery, acknowledgement and socket read
 * queued behind it (T7 on a shared disk: commits of 5 ms at p90 and 12 ms at p99, all of it event
 * loop blocked). On a thread only the acknowledgements of that batch wait for it.
 *
 * The price is one hop: the thread's reply waits for the event loop to reach it, about 1 ms under
 * T7's load. When fsync is much faster than that (a quiet local disk, ~0.3 ms) committing in-thread
 * acknowledges sooner; `openSqliteStore({ writerThread: false })` still does that.
 *
 * One `WriterThread` serves the whole process (starting a thread costs 50–200 ms, too much per
 * store); each store talks to it through a `ThreadedLogWriter` with a connection of its own.
 *
 * Promises: a write resolves only when the thread replied that its transaction committed; requests
 * run in the order they were made (and the GroupCommitter keeps one commit in flight anyway). When
 * the thread dies, every request it had not answered is rejected with `WriterThreadStoppedError`,
 * never resolved, and the next request starts a new thread. `close` waits for every request made
 * before it.
 *
 * The thread is unref'd while no request is in flight, so it never keeps a process alive that a
 * plain better-sqlite3 connection would not.
 */
import { Worker } from 'node:worker_threads'
import type { AppendEntry, CompactRequest } from '../store.ts'
import type { LogWriter } from './log-writer.ts'
import type { WriterError, WriterReply, WriterRequest, WriterSettings } from './writer-protocol.ts'

const WORKER_URL = new URL('./writer-worker.mjs', import.meta.url)

/** A request before the thread numbers it. */
type Unnumbered<T> = T extends { readonly id: number } ? Omit<T, 'id'> : never

interface Pending {
  readonly resolve: (seqs: readonly number[]) => void
  readonly reject: (error: Error) => void
}

/** A write the thread did not answer because it stopped: not acknowledged, so the client resends. */
export class WriterThreadStoppedError extends Error {
  override readonly name = 'WriterThreadStoppedError'
}

const fromWire = (error: WriterError): Error =>
  Object.assign(new Error(error.message), {
    name: error.name,
    ...(error.code === undefined ? {} : { code: error.code }),
  })

/** The worker thread and the requests it has not answered yet. */
export class WriterThread {
  private readonly workerUrl: URL
  private worker: Worker | null = null
  private readonly pending = new Map<number, Pending>()
  private nextId = 1
  private started = 0

  /** `workerUrl` is for tests that stand in a misbehaving thread. */
  constructor(workerUrl: URL = WORKER_URL) {
    this.workerUrl = workerUrl
  }

  /**
   * Counts the threads started so far: a connection opened in an earlier one died with it and
   * must be opened again.
   */
  get generation(): number {
    return this.started
  }

  /** Starts the thread unless it runs, so the first write does not wait for it to boot. */
  start(): void {
    if (!this.worker) this.spawn()
  }

  request(message: Unnumbered<WriterRequest>): Promise<readonly number[]> {
    const worker = this.worker ?? this.spawn()
    const id = this.nextId++
    return new Promise<readonly number[]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      // Keep the process alive while a request is in flight, and only then.
      if (this.pending.size === 1) worker.ref()
      const request = { ...message, id } as WriterRequest
      worker.postMessage(request)
    })
  }

  /** Ends the thread now; whatever it had not answered is rejected. For tests and tools. */
  async terminate(): Promise<void> {
    await this.worker?.terminate()
  }

  private spawn(): Worker {
    // No inherited execArgv: the worker is plain JavaScript and needs no TypeScript loader.
    const worker = new Worker(this.workerUrl, { execArgv: [] })
    worker.unref()
    this.started += 1
    let failure: Error | undefined
    worker.on('message', (reply: WriterReply) => this.settle(worker, reply))
    worker.on('error', (error) => {
      failure = error
    })
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = null
      this.rejectAll(
        new WriterThreadStoppedError(
          `The SQLite writer thread stopped (exit code ${code}` +
            `${failure ? `: ${failure.message}` : ''}) before answering; ` +
            'the write was not acknowledged.',
          { cause: failure },
        ),
      )
    })
    this.worker = worker
    return worker
  }

  private settle(worker: Worker, reply: WriterReply): void {
    const pending = this.pending.get(reply.id)
    if (!pending) return
    this.pending.delete(reply.id)
    if (this.pending.size === 0) worker.unref()
    if (reply.ok) pending.resolve(reply.seqs)
    else pending.reject(fromWire(reply.error))
  }

  private rejectAll(error: Error): void {
    const pending = [...this.pending.values()]
    this.pending.clear()
    for (const { reject } of pending) reject(error)
  }
}

/** The process's writer thread, started by the first store that needs it. */
let shared: WriterThread | undefined
const sharedThread = (): WriterThread => (shared ??= new WriterThread())

let nextConnection = 1

const closedError = (): Error =>
  new Error('SqliteStore is closed: its writer accepts no more writes.')

/** One store's connection in the writer thread. */
export class ThreadedLogWriter implements LogWriter {
  private readonly settings: WriterSettings
  private readonly thread: WriterThread
  private readonly conn = nextConnection++
  /** The thread generation this connection was opened in; 0 before the first open. */
  private openedIn = 0
  private closing: Promise<void> | null = null

  constructor(settings: WriterSettings, thread: WriterThread = sharedThread()) {
    this.settings = settings
    this.thread = thread
  }

  /** Opens the connection now, so the first write waits neither for the thread nor for the open. */
  start(): void {
    this.thread.start()
    this.ensureOpen()
  }

  appendUpdates(entries: readonly AppendEntry[]): Promise<readonly number[]> {
    return this.request({ op: 'append', conn: this.conn, entries })
  }

  async compact(request: CompactRequest): Promise<void> {
    await this.request({ op: 'compact', conn: this.conn, request })
  }

  close(): Promise<void> {
    this.closing ??= this.closeConnection()
    return this.closing
  }

  private async closeConnection(): Promise<void> {
    // A connection of a thread that died died with it; nothing to close.
    if (this.openedIn === 0 || this.openedIn !== this.thread.generation) return
    // Requests are answered in order: this settles after every write asked for before it.
    await this.thread.request({ op: 'close', conn: this.conn })
  }

  private request(message: Unnumbered<WriterRequest>): Promise<readonly number[]> {
    if (this.closing) return Promise.reject(closedError())
    this.ensureOpen()
    return this.thread.request(message)
  }

  /**
   * Asks the thread to open this store's connection when it has not in its current life. The open
   * is not awaited: requests run in order, and one that follows a failed open fails with its reason.
   */
  private ensureOpen(): void {
    this.thread.start()
    if (this.openedIn === this.thread.generation) return
    this.openedIn = this.thread.generation
    this.thread
      .request({ op: 'open', conn: this.conn, settings: this.settings })
      .catch(() => undefined)
  }
}
