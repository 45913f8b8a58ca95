/**
 * The child of the storage crash loop: writes through the real SQLite store and group commit until
 * it is killed. Each line on stdout reports something durable: `ready`, `commit <docId> <token>…`
 * once a batch's promise resolved, `compact <docId> <seq>` once a compaction returned. On start
 * it reloads every document and exits with code 3 if one has pending structs (a hole in its log).
 *
 * Usage: node crash-writer.mjs <database file> <seed>
 */
import { writeSync } from 'node:fs'
import * as prng from 'lib0/prng'
import * as Y from 'yjs'
import { getAttributes, getTags } from '../../../shared/element-doc.ts'
import { GroupCommitter } from '../../../server/storage/group-commit.ts'
import { openSqliteStore } from '../../../server/storage/sqlite/sqlite-store.ts'
import { DOC_IDS, WORLD_ID } from './crash-loop-ids.ts'

const say = (line: string): void => {
  // Synchronous: a line is on the pipe before the next write starts, so a kill cannot reorder.
  writeSync(1, `${line}\n`)
}

const main = async (): Promise<void> => {
  const [file, seedText] = process.argv.slice(2)
  if (!file || !seedText) throw new Error('usage: crash-writer <database file> <seed>')
  const random = prng.create(Number(seedText))
  const store = openSqliteStore({ file, synchronous: 'full' })
  const now = new Date().toISOString()
  if (!(await store.getWorld(WORLD_ID))) {
    await store.createWorld({ id: WORLD_ID, name: 'crash loop', createdAt: now })
  }
  const docs = new Map<string, { doc: Y.Doc; lastSeq: number; rows: number }>()
  for (const docId of DOC_IDS) {
    if (!(await store.getElement(docId))) {
      const seed = new Y.Doc()
      getTags(seed).push(['seed'])
      const element = { id: docId, worldId: WORLD_ID, kind: 'note' as const, name: docId }
      await store.createElement(
        { ...element, summary: '', updatedAt: now },
        Y.encodeStateAsUpdate(seed),
      )
    }
    const stored = await store.loadDocument(docId)
    if (!stored) throw new Error(`${docId} vanished`)
    const doc = new Y.Doc()
    if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot)
    for (const update of stored.updates) Y.applyUpdate(doc, update)
    if (doc.store.pendingStructs || doc.store.pendingDs) {
      say(`pending ${docId}`)
      process.exit(3)
    }
    docs.set(docId, { doc, lastSeq: stored.lastSeq, rows: stored.updates.length })
  }
  const committer = new GroupCommitter(store)
  say('ready')
  for (let round = 0; ; round++) {
    // A few edits per round, to several documents, appended together: one group commit.
    const edits = Array.from({ length: prng.int32(random, 1, 4) }, (_, n) => {
      const docId = prng.oneOf(random, DOC_IDS)
      const state = docs.get(docId)!
      const token = `w:${seedText}:${round}:${n}`
      let update: Uint8Array | undefined
      const capture = (bytes: Uint8Array) => (update = bytes)
      state.doc.once('update', capture)
      state.doc.transact(() => {
        getAttributes(state.doc).set(token, new Y.Text(prng.word(random, 0, 16)))
        getTags(state.doc).push([token])
      })
      return { docId, token, update: update!, state }
    })
    const seqs = await Promise.all(
      edits.map(({ docId, update }) => committer.append({ docId, update, updatedAt: now })),
    )
    edits.forEach((edit, n) => {
      edit.state.lastSeq = Math.max(edit.state.lastSeq, seqs[n]!)
      edit.state.rows += 1
    })
    say(`commit ${edits.map((edit) => `${edit.docId}=${edit.token}`).join(' ')}`)
    // Compaction between writes, now and then: the kill may land inside it too.
    for (const [docId, state] of docs) {
      if (state.rows < 10 || prng.real53(random) < 0.8) continue
      const snapshot = Y.encodeStateAsUpdate(state.doc)
      await committer.exclusive(() => store.compact({ docId, snapshot, throughSeq: state.lastSeq }))
      state.rows = 0
      say(`compact ${docId} ${state.lastSeq}`)
    }
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
