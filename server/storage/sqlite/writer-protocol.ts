/**
 * The messages between SqliteStore's writer thread (`writer-worker.mjs`) and the stores that use it
 * (`writer-thread.ts`). Types only: both sides import them, the worker through JSDoc.
 *
 * One thread serves every store of the process; `conn` names the store's connection in it.
 */
import type { AppendEntry, CompactRequest } from '../store.ts'

/** What the thread needs to open its own connection to a file the store already migrated. */
export interface WriterSettings {
  readonly file: string
  /** The `synchronous` pragma value, e.g. `FULL`: it is per connection, so the writer sets it too. */
  readonly synchronousPragma: string
  readonly busyTimeoutMs: number
}

export type WriterRequest =
  | {
      readonly id: number
      readonly conn: number
      readonly op: 'open'
      readonly settings: WriterSettings
    }
  | {
      readonly id: number
      readonly conn: number
      readonly op: 'append'
      readonly entries: readonly AppendEntry[]
    }
  | {
      readonly id: number
      readonly conn: number
      readonly op: 'compact'
      readonly request: CompactRequest
    }
  | { readonly id: number; readonly conn: number; readonly op: 'close' }

/** An error as it crosses the thread boundary (structured clone drops an Error's `code`). */
export interface WriterError {
  readonly name: string
  readonly message: string
  /** SQLite's extended result code (`SQLITE_BUSY`, `SQLITE_FULL`, …) when there is one. */
  readonly code?: string
}

export type WriterReply =
  | { readonly id: number; readonly ok: true; readonly seqs: readonly number[] }
  | { readonly id: number; readonly ok: false; readonly error: WriterError }
