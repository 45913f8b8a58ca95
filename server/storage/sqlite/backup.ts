/**
 * Online backup and offline restore of the SQLite database.
 *
 * Backup uses SQLite's backup API on a read-only connection: the copy is taken in one step under
 * one read transaction, so it is a consistent snapshot of every committed transaction (WAL
 * included) while the server keeps writing. Restore replaces the database of a data folder that
 * no server is using, after checking the copy, and keeps the replaced files beside it.
 */
import { existsSync, renameSync, rmSync } from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { databaseFile, lockHolder } from '../../lifecycle/data-dir.ts'
import { SCHEMA_VERSION, readSchemaVersion } from './schema.ts'

export interface DatabaseSummary {
  readonly file: string
  readonly schemaVersion: number
  readonly worlds: number
  readonly elements: number
  readonly updateRows: number
  readonly snapshots: number
}

export class BackupError extends Error {
  override name = 'BackupError'
}

// sqlite3_backup_step copies at most this many pages per step: everything, in one step.
const ALL_PAGES = 0x7fffffff

const count = (db: Database.Database, table: string): number =>
  Number(db.prepare(`SELECT count(*) FROM ${table}`).pluck().get())

/** Opens `file` read-only, checks it is intact and of a schema this build knows, and counts. */
export const inspectDatabase = (file: string): DatabaseSummary => {
  if (!existsSync(file)) throw new BackupError(`${file} does not exist`)
  const db = new Database(file, { readonly: true, fileMustExist: true })
  try {
    const integrity = db.pragma('integrity_check', { simple: true })
    if (integrity !== 'ok') {
      throw new BackupError(`${file} failed PRAGMA integrity_check: ${String(integrity)}`)
    }
    const schemaVersion = readSchemaVersion(db)
    if (schemaVersion < 1 || schemaVersion > SCHEMA_VERSION) {
      throw new BackupError(
        `${file} has schema version ${schemaVersion}; this build reads 1 to ${SCHEMA_VERSION}`,
      )
    }
    return {
      file,
      schemaVersion,
      worlds: count(db, 'worlds'),
      elements: count(db, 'elements'),
      updateRows: count(db, 'doc_updates'),
      snapshots: count(db, 'doc_snapshots'),
    }
  } finally {
    db.close()
  }
}

/**
 * Copies the database of `dataDir` to `dest` (which must not exist) while a server may be
 * running, verifies the copy and returns what it holds.
 */
export const backupDatabase = async (dataDir: string, dest: string): Promise<DatabaseSummary> => {
  const source = databaseFile(dataDir)
  if (!existsSync(source)) throw new BackupError(`there is no database at ${source}`)
  const target = path.resolve(dest)
  if (existsSync(target)) throw new BackupError(`${target} exists: choose a new file name`)
  const partial = `${target}.partial`
  rmSync(partial, { force: true })
  const db = new Database(source, { readonly: true, fileMustExist: true })
  try {
    db.pragma('busy_timeout = 5000')
    await db.backup(partial, { progress: () => ALL_PAGES })
  } finally {
    db.close()
  }
  try {
    const summary = inspectDatabase(partial)
    renameSync(partial, target)
    return { ...summary, file: target }
  } catch (error) {
    rmSync(partial, { force: true })
    throw error
  }
}

export interface RestoreResult {
  readonly restored: DatabaseSummary
  /** Where the database that was replaced now lives, if there was one. */
  readonly previous: string | undefined
}

/**
 * Replaces the database of `dataDir` with the backup at `src`. Refuses while a server holds the
 * folder. The replaced database is first checkpointed (a server killed mid-write leaves committed
 * transactions in its WAL) and kept as `loresync.sqlite.replaced-<time>`.
 */
export const restoreDatabase = (dataDir: string, src: string): RestoreResult => {
  const holder = lockHolder(dataDir)
  if (holder !== undefined) {
    throw new BackupError(
      `a Loresync server (process ${holder}) is using ${dataDir}: stop it, then restore. ` +
        `If no server is running, delete ${path.join(dataDir, 'loresync.pid')}.`,
    )
  }
  const source = path.resolve(src)
  // Checked before anything is touched: a bad backup leaves the folder as it was.
  inspectDatabase(source)
  const target = databaseFile(dataDir)
  let previous: string | undefined
  if (existsSync(target)) {
    // Folding the WAL into the file makes the file alone the whole database.
    const old = new Database(target, { fileMustExist: true })
    try {
      old.pragma('wal_checkpoint(TRUNCATE)')
    } finally {
      old.close()
    }
    previous = `${target}.replaced-${new Date().toISOString().replace(/[:.]/g, '-')}`
    renameSync(target, previous)
  }
  // A WAL left beside the new file would be replayed into it: it belongs to the old database.
  for (const suffix of ['-wal', '-shm']) rmSync(`${target}${suffix}`, { force: true })
  const partial = `${target}.restoring`
  rmSync(partial, { force: true })
  const copy = new Database(source, { readonly: true, fileMustExist: true })
  try {
    // Through SQLite rather than a file copy: a backup's own WAL, if it has one, is included.
    copy.exec(`VACUUM INTO '${partial.replaceAll("'", "''")}'`)
  } finally {
    copy.close()
  }
  renameSync(partial, target)
  return { restored: { ...inspectDatabase(target), file: target }, previous }
}
