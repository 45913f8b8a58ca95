/**
 * The behaviour every `DocumentStore` promises, as one suite that each implementation runs against
 * itself (`describeStoreContract('SqliteStore', makeStore)`). It checks only what the interface
 * promises: orders that the interface leaves open (listing order) are compared sorted, and sizes
 * only as "some".
 */
import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import {
  encodeSeedUpdate,
  getBody,
  getTags,
  readContent,
  readFields,
  type ElementFields,
  type ElementSeed,
} from '../../../shared/element-doc.ts'
import type {
  AppendEntry,
  DocumentStore,
  ElementRecord,
  StoredDocument,
  WorldRecord,
} from '../../../server/storage/store.ts'

export interface StoreFixture {
  readonly store: DocumentStore
  readonly cleanup: () => Promise<void>
}

const T0 = '2024-05-01T10:00:00.000Z'
const T1 = '2024-05-01T10:05:00.000Z'
const T2 = '2024-05-01T10:10:00.000Z'

const SEED: ElementSeed = { kind: 'character', name: 'Ilse Varga', summary: 'A cartographer.' }

/** Strings that break naive quoting, LIKE patterns, placeholders, encodings and trimming. */
const ODD_STRINGS: readonly string[] = [
  "Robert'); DROP TABLE elements; --",
  'O\'Brien\'s "quoted" `ticked` [bracketed]',
  '%_\\ LIKE wildcards and a backslash \\',
  '? ?1 :name @name $name',
  '',
  '   leading and trailing spaces   ',
  'line\nbreak\ttab\rreturn',
  'é vs e\u0301, 日本語, 🐉, 👩‍👩‍👧, \u202eright-to-left',
  'x'.repeat(5000),
]

const newWorld = (name = 'Aster'): WorldRecord => ({ id: randomUUID(), name, createdAt: T0 })

const newElement = (worldId: string, fields: ElementFields = SEED): ElementRecord => ({
  id: randomUUID(),
  worldId,
  ...fields,
  updatedAt: T0,
})

/** What a loaded document reads as: the snapshot, then the log in order. */
const materialise = (stored: StoredDocument): Y.Doc => {
  const doc = new Y.Doc()
  if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot)
  for (const update of stored.updates) Y.applyUpdate(doc, update)
  return doc
}

/** Everything a client could observe of a document. */
const observe = (doc: Y.Doc) => ({
  content: readContent(doc),
  body: getBody(doc).toString(),
  stateVector: Array.from(Y.encodeStateVector(doc)),
})

/** Runs `change` on `doc` and returns the update it produced, as a client would send it. */
const edit = (doc: Y.Doc, change: (doc: Y.Doc) => void): Uint8Array => {
  const before = Y.encodeStateVector(doc)
  change(doc)
  return Y.encodeStateAsUpdate(doc, before)
}

const addTag = (doc: Y.Doc, tag: string): Uint8Array => edit(doc, (d) => getTags(d).push([tag]))

const hex = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')

const entry = (docId: string, update: Uint8Array, updatedAt = T1): AppendEntry => ({
  docId,
  update,
  updatedAt,
})

export const describeStoreContract = (
  name: string,
  makeStore: () => Promise<StoreFixture>,
): void => {
  describe(`DocumentStore contract: ${name}`, () => {
    let fixture: StoreFixture
    let store: DocumentStore

    beforeEach(async () => {
      fixture = await makeStore()
      store = fixture.store
    })

    afterEach(async () => {
      await fixture.cleanup()
    })

    /** A world with one seeded element, and a replica of its document to edit. */
    const seededElement = async (seed: ElementSeed = SEED) => {
      const world = newWorld()
      await store.createWorld(world)
      const element = newElement(world.id, seed)
      const seedUpdate = encodeSeedUpdate(seed)
      await store.createElement(element, seedUpdate)
      const replica = new Y.Doc()
      Y.applyUpdate(replica, seedUpdate)
      return { world, element, seedUpdate, replica }
    }

    const load = async (docId: string): Promise<StoredDocument> => {
      const stored = await store.loadDocument(docId)
      if (!stored) throw new Error(`expected document ${docId} to exist`)
      return stored
    }

    /** The stats every store counts the same way; `bytes` is each store's own measure. */
    const counts = async () => {
      const { documents, updateRows } = await store.stats()
      return { documents, updateRows }
    }

    describe('worlds', () => {
      it('creates, gets and lists worlds', async () => {
        const aster = newWorld('Aster')
        const brume = { ...newWorld('Brume'), createdAt: T1 }
        await store.createWorld(aster)
        await store.createWorld(brume)

        expect(await store.getWorld(aster.id)).toEqual(aster)
        expect(await store.getWorld(brume.id)).toEqual(brume)
        const listed = await store.listWorlds()
        const byId = (a: WorldRecord, b: WorldRecord) => a.id.localeCompare(b.id)
        expect([...listed].sort(byId)).toEqual([aster, brume].sort(byId))
      })

      it('resolves undefined for an unknown world and an empty list when there are none', async () => {
        expect(await store.getWorld(randomUUID())).toBeUndefined()
        expect(await store.listWorlds()).toEqual([])
      })

      it('rejects a second world with the same id and keeps the first', async () => {
        const world = newWorld('First')
        await store.createWorld(world)
        await expect(store.createWorld({ ...world, name: 'Second' })).rejects.toThrow()
        expect(await store.getWorld(world.id)).toEqual(world)
      })
    })

    describe('elements', () => {
      it('stores the row and the seed, and the loaded document reads as the seed', async () => {
        const { world, element, seedUpdate } = await seededElement()

        expect(await store.getElement(element.id)).toEqual(element)
        expect(await store.listElements(world.id)).toEqual([element])
        const stored = await load(element.id)
        expect(stored.snapshot).toBeNull()
        expect(stored.updates.map(hex)).toEqual([hex(seedUpdate)])
        expect(stored.lastSeq).toBeGreaterThan(0)
        expect(readFields(materialise(stored))).toEqual(SEED)
        expect(await store.countUpdates(element.id)).toBe(1)
      })

      it('lists only the elements of the given world', async () => {
        const { world, element } = await seededElement()
        const other = await seededElement()
        const second = newElement(world.id, { kind: 'location', name: 'Harrow', summary: '' })
        await store.createElement(second, encodeSeedUpdate(second))

        const byId = (a: ElementRecord, b: ElementRecord) => a.id.localeCompare(b.id)
        const listed = await store.listElements(world.id)
        expect([...listed].sort(byId)).toEqual([element, second].sort(byId))
        expect(await store.listElements(other.world.id)).toEqual([other.element])
        expect(await store.listElements(randomUUID())).toEqual([])
      })

      it('creates nothing when the row cannot be stored (row and seed are one transaction)', async () => {
        const { element, seedUpdate } = await seededElement()
        const before = await store.stats()

        // Same id again: the row is refused, so its seed must not reach the log either.
        const again = { ...element, name: 'Impostor' }
        await expect(store.createElement(again, encodeSeedUpdate(again))).rejects.toThrow()
        // Unknown world: refused as well.
        const orphan = newElement(randomUUID())
        await expect(store.createElement(orphan, encodeSeedUpdate(orphan))).rejects.toThrow()

        expect(await store.getElement(element.id)).toEqual(element)
        expect((await load(element.id)).updates.map(hex)).toEqual([hex(seedUpdate)])
        expect(await store.getElement(orphan.id)).toBeUndefined()
        expect(await store.loadDocument(orphan.id)).toBeUndefined()
        expect(await store.stats()).toEqual(before)
      })

      it('resolves undefined and zero for an element that does not exist', async () => {
        const id = randomUUID()
        expect(await store.getElement(id)).toBeUndefined()
        expect(await store.loadDocument(id)).toBeUndefined()
        expect(await store.countUpdates(id)).toBe(0)
      })
    })

    describe('appendUpdates', () => {
      // Seqs are compared only within one document: a store may count them per document (SQLite)
      // or across all of them (PostgreSQL).
      it('returns seqs increasing per document in the order given, and loads updates in that order', async () => {
        const a = await seededElement()
        const b = await seededElement()
        const a1 = addTag(a.replica, 'a1')
        const b1 = addTag(b.replica, 'b1')
        const a2 = addTag(a.replica, 'a2')
        const b2 = addTag(b.replica, 'b2')
        const a3 = addTag(a.replica, 'a3')

        const first = await store.appendUpdates([
          entry(a.element.id, a1),
          entry(b.element.id, b1),
          entry(a.element.id, a2),
        ])
        const second = await store.appendUpdates([entry(b.element.id, b2), entry(a.element.id, a3)])
        const seqs = [...first.seqs, ...second.seqs]
        const increasing = (list: readonly (number | undefined)[]) => {
          for (const seq of list) expect(Number.isInteger(seq)).toBe(true)
          const numbers = list.map((seq) => seq ?? Number.NaN)
          expect(numbers[0]).toBeGreaterThan(0)
          for (let i = 1; i < numbers.length; i += 1) {
            expect(numbers[i]).toBeGreaterThan(numbers[i - 1] ?? Infinity)
          }
        }

        expect(seqs).toHaveLength(5)
        const [seqA1, seqB1, seqA2, seqB2, seqA3] = seqs
        increasing([seqA1, seqA2, seqA3])
        increasing([seqB1, seqB2])

        const storedA = await load(a.element.id)
        expect(storedA.updates.map(hex)).toEqual([a.seedUpdate, a1, a2, a3].map(hex))
        expect(storedA.lastSeq).toBe(seqA3)
        expect(observe(materialise(storedA))).toEqual(observe(a.replica))

        const storedB = await load(b.element.id)
        expect(storedB.updates.map(hex)).toEqual([b.seedUpdate, b1, b2].map(hex))
        expect(storedB.lastSeq).toBe(seqB2)
        expect(await store.countUpdates(a.element.id)).toBe(4)
      })

      it('resolves an empty batch with no seqs', async () => {
        expect(await store.appendUpdates([])).toEqual({ seqs: [] })
      })

      it('stores exactly the bytes of a view into a larger buffer', async () => {
        const { element, replica } = await seededElement()
        const update = addTag(replica, 'viewed')
        const padded = new Uint8Array(update.byteLength + 16).fill(0xee)
        padded.set(update, 8)
        await store.appendUpdates([entry(element.id, padded.subarray(8, 8 + update.byteLength))])

        expect((await load(element.id)).updates.map(hex).at(-1)).toBe(hex(update))
      })

      it('updates the index row when an entry carries fields, and otherwise only updatedAt', async () => {
        const { world, element, replica } = await seededElement()
        const fields: ElementFields = { kind: 'faction', name: 'The Guild', summary: 'Traders.' }

        await store.appendUpdates([{ ...entry(element.id, addTag(replica, 'x'), T1), fields }])
        const renamed = { ...element, ...fields, updatedAt: T1 }
        expect(await store.getElement(element.id)).toEqual(renamed)
        expect(await store.listElements(world.id)).toEqual([renamed])

        await store.appendUpdates([entry(element.id, addTag(replica, 'y'), T2)])
        expect(await store.getElement(element.id)).toEqual({ ...renamed, updatedAt: T2 })
      })

      it('moves updatedAt for body edits at most once a minute, for field changes always', async () => {
        const { element, replica } = await seededElement()
        const at = (seconds: number) => new Date(Date.parse(T2) + seconds * 1000).toISOString()
        const updatedAt = async () => (await store.getElement(element.id))?.updatedAt
        await store.appendUpdates([entry(element.id, addTag(replica, 'a'), T2)])
        expect(await updatedAt()).toBe(T2)
        const { seqs } = await store.appendUpdates([
          entry(element.id, addTag(replica, 'b'), at(30)),
        ])
        expect(seqs[0]).toBeGreaterThan(0)
        expect(await updatedAt()).toBe(T2)
        await store.appendUpdates([entry(element.id, addTag(replica, 'c'), at(61))])
        expect(await updatedAt()).toBe(at(61))
        const fields: ElementFields = { kind: 'item', name: 'Lamp', summary: '' }
        await store.appendUpdates([{ ...entry(element.id, addTag(replica, 'd'), at(62)), fields }])
        expect(await updatedAt()).toBe(at(62))
        expect((await load(element.id)).updates).toHaveLength(5)
      })

      it('drops body edits of an element deleted after it was edited, whenever they arrive', async () => {
        const { element, replica } = await seededElement()
        const at = (seconds: number) => new Date(Date.parse(T2) + seconds * 1000).toISOString()
        const first = await store.appendUpdates([entry(element.id, addTag(replica, 'a'), T2)])
        expect(first.seqs[0]).toBeGreaterThan(0)
        expect(await store.deleteElement(element.id)).toBe(true)
        // Within the minute in which the stored updated_at needs no look, and after it.
        const late = await store.appendUpdates([
          entry(element.id, addTag(replica, 'b'), at(10)),
          entry(element.id, addTag(replica, 'c'), at(70)),
        ])
        expect(late.seqs).toEqual([0, 0])
        expect(await store.getElement(element.id)).toBeUndefined()
      })

      it('drops entries for a deleted or unknown element with seq 0 and commits the rest', async () => {
        const kept = await seededElement()
        const gone = await seededElement()
        const goneUpdate = addTag(gone.replica, 'lost')
        expect(await store.deleteElement(gone.element.id)).toBe(true)
        const k1 = addTag(kept.replica, 'k1')
        const k2 = addTag(kept.replica, 'k2')

        const { seqs } = await store.appendUpdates([
          entry(kept.element.id, k1),
          { ...entry(gone.element.id, goneUpdate), fields: SEED },
          entry(randomUUID(), goneUpdate),
          entry(kept.element.id, k2),
        ])

        expect(seqs[1]).toBe(0)
        expect(seqs[2]).toBe(0)
        expect(seqs[0]).toBeGreaterThan(0)
        expect(seqs[3]).toBeGreaterThan(seqs[0] ?? Infinity)
        expect((await load(kept.element.id)).updates.map(hex)).toEqual(
          [kept.seedUpdate, k1, k2].map(hex),
        )
        expect(await store.getElement(gone.element.id)).toBeUndefined()
        expect(await store.loadDocument(gone.element.id)).toBeUndefined()
        expect((await store.stats()).updateRows).toBe(3)
      })
    })

    describe('compact', () => {
      /** Seed plus three updates, a snapshot covering them, then two updates after it. */
      const compactable = async () => {
        const seeded = await seededElement()
        const { element, replica } = seeded
        await store.appendUpdates(
          ['t1', 't2', 't3'].map((t) => entry(element.id, addTag(replica, t))),
        )
        const covered = await load(element.id)
        const snapshot = Y.encodeStateAsUpdate(materialise(covered))
        const later = [addTag(replica, 't4'), addTag(replica, 't5')]
        const { seqs } = await store.appendUpdates(later.map((u) => entry(element.id, u)))
        return { ...seeded, snapshot, throughSeq: covered.lastSeq, later, laterSeqs: seqs }
      }

      it('replaces covered rows with the snapshot, keeps later rows, and reads the same', async () => {
        const { element, replica, snapshot, throughSeq, later, laterSeqs } = await compactable()
        const before = await load(element.id)

        await store.compact({ docId: element.id, snapshot, throughSeq })

        const after = await load(element.id)
        expect(after.snapshot && hex(after.snapshot)).toBe(hex(snapshot))
        expect(after.updates.map(hex)).toEqual(later.map(hex))
        expect(after.lastSeq).toBe(before.lastSeq)
        expect(after.lastSeq).toBe(laterSeqs[1])
        expect(await store.countUpdates(element.id)).toBe(2)
        expect(observe(materialise(after))).toEqual(observe(materialise(before)))
        expect(observe(materialise(after))).toEqual(observe(replica))
      })

      it('compacts everything: an empty log, and lastSeq is the snapshot', async () => {
        const { element, replica } = await compactable()
        const all = await load(element.id)
        const snapshot = Y.encodeStateAsUpdate(materialise(all))

        await store.compact({ docId: element.id, snapshot, throughSeq: all.lastSeq })

        const after = await load(element.id)
        expect(after.updates).toEqual([])
        expect(after.lastSeq).toBe(all.lastSeq)
        expect(observe(materialise(after))).toEqual(observe(replica))

        // The log carries on after the snapshot.
        const next = addTag(replica, 't6')
        const { seqs } = await store.appendUpdates([entry(element.id, next)])
        expect(seqs[0]).toBeGreaterThan(all.lastSeq)
        const resumed = await load(element.id)
        expect(resumed.updates.map(hex)).toEqual([hex(next)])
        expect(observe(materialise(resumed))).toEqual(observe(replica))
      })

      it('never goes backwards: an older snapshot after a newer one changes nothing', async () => {
        const { element, snapshot: older, throughSeq: olderSeq } = await compactable()
        const all = await load(element.id)
        const newer = Y.encodeStateAsUpdate(materialise(all))
        await store.compact({ docId: element.id, snapshot: newer, throughSeq: all.lastSeq })
        const compacted = await load(element.id)

        await store.compact({ docId: element.id, snapshot: older, throughSeq: olderSeq })

        const after = await load(element.id)
        expect(after.snapshot && hex(after.snapshot)).toBe(hex(newer))
        expect(after.updates.map(hex)).toEqual(compacted.updates.map(hex))
        expect(after.lastSeq).toBe(compacted.lastSeq)
      })

      it('does nothing for an element that was deleted', async () => {
        const { element, snapshot, throughSeq } = await compactable()
        await store.deleteElement(element.id)

        await store.compact({ docId: element.id, snapshot, throughSeq })

        expect(await store.loadDocument(element.id)).toBeUndefined()
        expect(await counts()).toEqual({ documents: 0, updateRows: 0 })
      })
    })

    describe('deleteElement', () => {
      it('removes the row, the log and the snapshot, and resolves false the second time', async () => {
        const { world, element, replica } = await seededElement()
        const update = addTag(replica, 'z')
        await store.appendUpdates([entry(element.id, update)])
        const stored = await load(element.id)
        const snapshot = Y.encodeStateAsUpdate(materialise(stored))
        await store.compact({ docId: element.id, snapshot, throughSeq: stored.lastSeq - 1 })

        expect(await store.deleteElement(element.id)).toBe(true)

        expect(await store.getElement(element.id)).toBeUndefined()
        expect(await store.loadDocument(element.id)).toBeUndefined()
        expect(await store.countUpdates(element.id)).toBe(0)
        expect(await store.listElements(world.id)).toEqual([])
        expect(await counts()).toEqual({ documents: 0, updateRows: 0 })
        expect(await store.deleteElement(element.id)).toBe(false)
        expect(await store.getWorld(world.id)).toEqual(world)

        // The same id again starts from nothing: no snapshot or row was left behind.
        const seedUpdate = encodeSeedUpdate(SEED)
        await store.createElement(element, seedUpdate)
        const fresh = await load(element.id)
        expect(fresh.snapshot).toBeNull()
        expect(fresh.updates.map(hex)).toEqual([hex(seedUpdate)])
      })

      it('resolves false for an element that never existed', async () => {
        expect(await store.deleteElement(randomUUID())).toBe(false)
      })
    })

    describe('odd strings', () => {
      const roundTrip = async (text: string) => {
        const world = newWorld(text)
        await store.createWorld(world)
        const seed: ElementSeed = { kind: 'note', name: text, summary: `${text}|${text}` }
        const element = newElement(world.id, seed)
        await store.createElement(element, encodeSeedUpdate(seed))

        expect(await store.getWorld(world.id)).toEqual(world)
        expect(await store.getElement(element.id)).toEqual(element)
        expect(readFields(materialise(await load(element.id)))).toEqual(seed)

        const fields: ElementFields = { kind: 'item', name: `${text}!`, summary: text }
        await store.appendUpdates([{ ...entry(element.id, new Uint8Array([0, 0])), fields }])
        expect(await store.getElement(element.id)).toEqual({ ...element, ...fields, updatedAt: T1 })
      }

      it('round-trips SQL metacharacters and unusual text unchanged', async () => {
        for (const text of ODD_STRINGS) await roundTrip(text)
        expect((await store.listWorlds()).map((world) => world.name).sort()).toEqual(
          [...ODD_STRINGS].sort(),
        )
      })

      it('round-trips arbitrary well-formed text unchanged', async () => {
        // NUL is left out: PostgreSQL text cannot hold it, and the HTTP layer refuses it.
        const text = fc.string({ unit: 'grapheme', maxLength: 60 }).filter((s) => !s.includes('\0'))
        await fc.assert(fc.asyncProperty(text, roundTrip), { numRuns: 60 })
      })
    })

    describe('health and stats', () => {
      it('checkWritable resolves, repeatedly', async () => {
        await store.checkWritable()
        await store.checkWritable()
      })

      it('counts documents and update rows', async () => {
        expect(await counts()).toEqual({ documents: 0, updateRows: 0 })
        const a = await seededElement()
        await seededElement()
        await store.appendUpdates([entry(a.element.id, addTag(a.replica, 'n'))])

        const stats = await store.stats()
        expect(stats.documents).toBe(2)
        expect(stats.updateRows).toBe(3)
        expect(stats.bytes).toBeGreaterThan(0)
      })

      it('close is idempotent', async () => {
        await store.close()
        await store.close()
      })
    })
  })
}
