/**
 * The device's own copy of an element, kept in IndexedDB by y-indexeddb. It is loaded into the
 * Y.Doc before the element's session opens, so the first join handshake already carries every edit
 * made offline (including before a reload). When IndexedDB cannot open (private windows, disabled
 * storage, a blocked upgrade) the copy reports itself unavailable and the app works online only.
 */
import type * as Y from 'yjs'
import { IndexeddbPersistence } from 'y-indexeddb'

export interface LocalCopy {
  readonly available: boolean
  /** Resolves once every update stored so far is committed to IndexedDB. */
  flush(): Promise<void>
  destroy(): Promise<void>
}

const UNAVAILABLE: LocalCopy = {
  available: false,
  flush: () => Promise.resolve(),
  destroy: () => Promise.resolve(),
}

const open = new Set<LocalCopy>()

/** Waits for every open local copy to be committed (before a test reloads the page, say). */
export const flushLocalCopies = async (): Promise<void> => {
  await Promise.all([...open].map((copy) => copy.flush()))
}

/**
 * IndexedDB runs transactions with overlapping scopes in the order they were created, so a
 * read-only transaction on the updates store completes only after every write queued before it.
 */
const flushDatabase = (db: IDBDatabase): Promise<void> =>
  new Promise((resolve, reject) => {
    const transaction = db.transaction(['updates'], 'readonly')
    transaction.oncomplete = () => resolve()
    transaction.onerror = () => reject(transaction.error ?? new Error('IndexedDB flush failed'))
    transaction.onabort = () => reject(transaction.error ?? new Error('IndexedDB flush aborted'))
  })

/** How long a local load may take before the element opens without it. */
export const LOCAL_LOAD_TIMEOUT_MS = 4000

const PROBE_DB = 'loresync-probe'

/**
 * Opening a throwaway database first: y-indexeddb gives no error channel when IndexedDB refuses to
 * open, so without this probe a refusal would leave the element waiting forever.
 */
const canOpenIndexedDb = (timeoutMs: number): Promise<boolean> =>
  new Promise((resolve) => {
    if (typeof indexedDB === 'undefined') {
      resolve(false)
      return
    }
    const timer = setTimeout(() => resolve(false), timeoutMs)
    const settle = (ok: boolean) => {
      clearTimeout(timer)
      resolve(ok)
    }
    let request: IDBOpenDBRequest
    try {
      request = indexedDB.open(PROBE_DB)
    } catch {
      settle(false)
      return
    }
    request.onsuccess = () => {
      request.result.close()
      settle(true)
    }
    request.onerror = () => settle(false)
    request.onblocked = () => settle(false)
  })

let probe: Promise<boolean> | null = null

/** Whether this browser lets us keep local copies; asked once per page. */
export const localCopiesAvailable = (timeoutMs = LOCAL_LOAD_TIMEOUT_MS): Promise<boolean> => {
  probe ??= canOpenIndexedDb(timeoutMs)
  return probe
}

/** Loads the local copy named `name` into `doc` and keeps storing every later update there. */
export const openLocalCopy = async (
  name: string,
  doc: Y.Doc,
  timeoutMs = LOCAL_LOAD_TIMEOUT_MS,
): Promise<LocalCopy> => {
  if (!(await localCopiesAvailable(timeoutMs))) return UNAVAILABLE
  const persistence = new IndexeddbPersistence(name, doc)
  let timer: ReturnType<typeof setTimeout> | undefined
  const loaded = await Promise.race([
    persistence.whenSynced.then(() => true),
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs)
    }),
  ])
  clearTimeout(timer)
  if (!loaded) {
    // The database never opened; closing it can only fail the same way, and there is nothing to lose.
    await persistence.destroy().catch(() => undefined)
    return UNAVAILABLE
  }
  const copy: LocalCopy = {
    available: true,
    flush: () => (persistence.db ? flushDatabase(persistence.db) : Promise.resolve()),
    destroy: async () => {
      open.delete(copy)
      await persistence.destroy()
    },
  }
  open.add(copy)
  return copy
}
