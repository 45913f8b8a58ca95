/**
 * A stand-in for server/storage/sqlite/writer-worker.mjs that misbehaves on request, so the owner's
 * handling of a dying or silent thread can be tested deterministically. It answers `open` and
 * `close`; an append answers by its first entry's docId:
 * - `crash`: throws out of the message handler, which ends the thread with that error;
 * - `hang`: never answers;
 * - anything else: claims seqs 1..n.
 */
import { parentPort } from 'node:worker_threads'

const port = parentPort
if (!port) throw new Error('a worker thread only')

port.on('message', (request) => {
  if (request.op !== 'append') {
    port.postMessage({ id: request.id, ok: true, seqs: [] })
    return
  }
  const docId = request.entries[0]?.docId
  if (docId === 'crash') throw new Error('fake writer crashed mid-commit')
  if (docId === 'hang') return
  port.postMessage({ id: request.id, ok: true, seqs: request.entries.map((_, i) => i + 1) })
})
