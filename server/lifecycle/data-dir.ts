/**
 * The data folder's files and the lock that says a server is using it. The lock is a pid file:
 * created exclusively at start, removed at a clean stop. A server killed with SIGKILL leaves it
 * behind; its pid no longer names a live process, so the next start (or a restore) takes it over.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs'
import path from 'node:path'

export const databaseFile = (dataDir: string): string => path.join(dataDir, 'loresync.sqlite')
export const lockFile = (dataDir: string): string => path.join(dataDir, 'loresync.pid')

export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError'
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The pid of the live process holding `dataDir`, or undefined when nobody (alive) holds it. */
export const lockHolder = (dataDir: string): number | undefined => {
  let text: string
  try {
    text = readFileSync(lockFile(dataDir), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  const pid = Number.parseInt(text.trim(), 10)
  return Number.isSafeInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined
}

export interface DataDirLock {
  /** Removes the pid file if it is still ours. Idempotent. */
  release(): void
}

/**
 * Marks `dataDir` as in use by this process. Throws DataDirLockedError when another live process
 * holds it. Several servers of one process (tests) may share a folder's lock.
 */
export const acquireDataDirLock = (dataDir: string): DataDirLock => {
  const file = lockFile(dataDir)
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, 'wx')
      try {
        writeSync(fd, `${process.pid}\n`)
      } finally {
        closeSync(fd)
      }
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error
      const holder = lockHolder(dataDir)
      if (holder === process.pid) break
      if (holder !== undefined) {
        throw new DataDirLockedError(
          `${dataDir} is in use by process ${holder}: stop that server first, or pick another DATA_DIR.`,
        )
      }
      // A stale lock from a server that did not stop cleanly: take it over.
      unlinkSync(file)
    }
  }
  let released = false
  return {
    release() {
      if (released) return
      released = true
      try {
        if (Number.parseInt(readFileSync(file, 'utf8'), 10) === process.pid) unlinkSync(file)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      }
    },
  }
}
