/**
 * Where SqliteStore's log writes (group commit, compaction) run: on a writer thread for a database
 * file (`writer-thread.ts`), or in the calling thread, which is what a `:memory:` database needs
 * (another connection cannot see it) and what `inlineLogWriter` does.
 */
import type Database from 'better-sqlite3'
import type { AppendEntry, CompactRequest } from '../store.ts'
import { prepareLogWrites } from './log-writes.mjs'

export interface LogWriter {
  /** Resolves with each entry's seq (0 for a deleted element) once the batch is committed. */
  appendUpdates(entries: readonly AppendEntry[]): Promise<readonly number[]>
  compact(request: CompactRequest): Promise<void>
  /** Waits for the writes already asked for, then refuses more. */
  close(): Promise<void>
}

/** Runs the transactions synchronously on `db`; failures still arrive as rejections. */
export const inlineLogWriter = (db: Database.Database): LogWriter => {
  const writes = prepareLogWrites(db)
  return {
    appendUpdates: async (entries) => writes.appendUpdates(entries),
    compact: async (request) => writes.compact(request),
    close: async () => {},
  }
}
