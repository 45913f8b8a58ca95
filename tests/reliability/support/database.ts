/**
 * Reads documents straight from a Loresync SQLite file with plain SQL, bypassing the server's
 * store code, so a bug there cannot hide itself from the tests that check it.
 */
import Database from 'better-sqlite3'
import * as Y from 'yjs'

export interface LoadedDocument {
  readonly doc: Y.Doc
  /** True when some update could not be integrated (a row it depends on is missing). */
  readonly pending: boolean
}

export const readDocument = (file: string, docId: string): LoadedDocument => {
  const db = new Database(file, { fileMustExist: true })
  try {
    return loadFrom(db, docId)
  } finally {
    db.close()
  }
}

export const loadFrom = (db: Database.Database, docId: string): LoadedDocument => {
  const snapshot = db
    .prepare<[string], { data: Buffer }>('SELECT data FROM doc_snapshots WHERE doc_id = ?')
    .get(docId)
  const rows = db
    .prepare<[string], { data: Buffer }>(
      'SELECT data FROM doc_updates WHERE doc_id = ? ORDER BY seq',
    )
    .all(docId)
  const doc = new Y.Doc()
  Y.transact(doc, () => {
    if (snapshot) Y.applyUpdate(doc, snapshot.data)
    for (const row of rows) Y.applyUpdate(doc, row.data)
  })
  return { doc, pending: doc.store.pendingStructs !== null || doc.store.pendingDs !== null }
}

export const integrityCheck = (file: string): string => {
  const db = new Database(file, { fileMustExist: true })
  try {
    return String(db.pragma('integrity_check', { simple: true }))
  } finally {
    db.close()
  }
}
