// @ts-check
/**
 * SqliteStore's writer thread: runs the log's write transactions (group commit, compaction) on
 * connections of its own, so their fsync under `synchronous=FULL` blocks this thread and not the
 * event loop that delivers updates and sends acknowledgements. One thread serves every store of
 * the process, each through its own connection (`conn`).
 *
 * Requests run one at a time, in the order they arrive; each gets exactly one reply, sent after
 * its transaction committed or failed. A write is answered `ok` only once it committed.
 *
 * Plain JavaScript (type-checked through JSDoc) so the thread loads the same way under tsx, vitest
 * and plain Node, with no TypeScript loader to register in it.
 */
import { parentPort } from 'node:worker_threads'
import Database from 'better-sqlite3'
import { prepareLogWrites, WAL_AUTOCHECKPOINT_PAGES } from './log-writes.mjs'

/**
 * @typedef {import('./writer-protocol.ts').WriterSettings} WriterSettings
 * @typedef {import('./writer-protocol.ts').WriterRequest} WriterRequest
 * @typedef {import('./writer-protocol.ts').WriterReply} WriterReply
 * @typedef {import('./writer-protocol.ts').WriterError} WriterError
 * @typedef {{ db: Database.Database, writes: import('./log-writes.mjs').LogWrites }} Connection
 */

const port = parentPort
if (!port) throw new Error('writer-worker.mjs runs only as a worker thread')

/** @type {Map<number, Connection>} */
const connections = new Map()
/** Why a connection could not open, so its later requests fail with the reason, not "not open". */
/** @type {Map<number, string>} */
const failedOpens = new Map()

/**
 * The store created, migrated and switched the file to WAL (a property of the file); the pragmas
 * below are per connection.
 * @param {WriterSettings} settings
 * @returns {Connection}
 */
const open = (settings) => {
  if (!/^[A-Z]+$/.test(settings.synchronousPragma)) {
    throw new Error(`unexpected synchronous pragma ${settings.synchronousPragma}`)
  }
  const db = new Database(settings.file, { fileMustExist: true })
  try {
    db.pragma(`busy_timeout = ${Math.trunc(settings.busyTimeoutMs)}`)
    db.pragma(`synchronous = ${settings.synchronousPragma}`)
    db.pragma('foreign_keys = ON')
    db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`)
    return { db, writes: prepareLogWrites(db) }
  } catch (error) {
    db.close()
    throw error
  }
}

/**
 * @param {number} conn
 * @returns {Connection}
 */
const connection = (conn) => {
  const found = connections.get(conn)
  if (found) return found
  const reason = failedOpens.get(conn)
  throw new Error(`writer thread: connection ${conn} is not open${reason ? ` (${reason})` : ''}`)
}

/**
 * @param {WriterRequest} request
 * @returns {readonly number[]}
 */
const run = (request) => {
  switch (request.op) {
    case 'open':
      connections.get(request.conn)?.db.close()
      connections.delete(request.conn)
      failedOpens.delete(request.conn)
      try {
        connections.set(request.conn, open(request.settings))
      } catch (error) {
        failedOpens.set(request.conn, error instanceof Error ? error.message : String(error))
        throw error
      }
      return []
    case 'append':
      return connection(request.conn).writes.appendUpdates(request.entries)
    case 'compact':
      connection(request.conn).writes.compact(request.request)
      return []
    case 'close':
      connections.get(request.conn)?.db.close()
      connections.delete(request.conn)
      failedOpens.delete(request.conn)
      return []
    default:
      throw new Error(`writer thread: unknown request ${JSON.stringify(request)}`)
  }
}

/**
 * @param {unknown} error
 * @returns {WriterError}
 */
const describe = (error) => {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) }
  const code = /** @type {{ code?: unknown }} */ (error).code
  return typeof code === 'string'
    ? { name: error.name, message: error.message, code }
    : { name: error.name, message: error.message }
}

port.on('message', (/** @type {WriterRequest} */ request) => {
  /** @type {WriterReply} */
  let reply
  try {
    reply = { id: request.id, ok: true, seqs: run(request) }
  } catch (error) {
    reply = { id: request.id, ok: false, error: describe(error) }
  }
  port.postMessage(reply)
})
