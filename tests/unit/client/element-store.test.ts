import * as prng from 'lib0/prng'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import {
  encodeSeedUpdate,
  getAttributes,
  getFields,
  getTags,
  readContent,
} from '../../../shared/element-doc.ts'
import { ELEMENT_KINDS } from '../../../shared/element-kinds.ts'
import {
  disposeElementStore,
  STORE_ORIGIN,
  useElementStore,
  type ElementStore,
  type TextField,
} from '../../../client/stores/element.ts'
import { seedsFromEnv, withSeed } from './seeds.ts'

const REMOTE = Symbol('remote')
const OPERATIONS = 300
const TAG_WORDS = ['hero', 'villain', 'ancient', 'north', 'lost', 'royal']
const ATTRIBUTE_KEYS = ['age', 'home', 'allegiance', 'height', 'motto']

/** What the store shows, next to what the document says, in the same shape. */
const mirrorOf = (store: ElementStore) => ({
  kind: store.fields.kind,
  name: store.fields.name,
  summary: store.fields.summary,
  attributes: { ...store.attributes },
  tags: [...store.tags],
})

/** The same content read through `doc.toJSON()` instead of the schema accessors. */
const jsonContent = (doc: Y.Doc) => {
  const json = doc.toJSON() as {
    fields: Record<string, unknown>
    attributes: Record<string, string>
    tags: unknown[]
  }
  return {
    name: typeof json.fields.name === 'string' ? json.fields.name : '',
    summary: typeof json.fields.summary === 'string' ? json.fields.summary : '',
    attributes: json.attributes,
    tags: json.tags.filter((tag) => typeof tag === 'string'),
  }
}

const randomEdit = (gen: prng.PRNG, text: string): { next: string; cursor: number } => {
  const index = prng.int32(gen, 0, text.length)
  const remove = prng.int32(gen, 0, Math.min(3, text.length - index))
  const insert = prng.bool(gen) ? prng.word(gen, 0, 4) : ''
  return {
    next: text.slice(0, index) + insert + text.slice(index + remove),
    cursor: index + insert.length,
  }
}

/** A peer editing its own replica directly through Yjs, the way another client would. */
const remoteOperation = (gen: prng.PRNG, doc: Y.Doc): void => {
  const fields = getFields(doc)
  const attributes = getAttributes(doc)
  const tags = getTags(doc)
  doc.transact(() => {
    switch (prng.int32(gen, 0, 7)) {
      case 0: {
        const field = prng.oneOf(gen, ['name', 'summary'])
        const text = fields.get(field)
        if (!(text instanceof Y.Text)) break
        const index = prng.int32(gen, 0, text.length)
        if (prng.bool(gen) || text.length === 0) text.insert(index, prng.word(gen, 1, 5))
        else text.delete(index === text.length ? index - 1 : index, 1)
        break
      }
      case 1:
        // Someone replaces the whole Y.Text: the mirror must follow the new one.
        fields.set(prng.oneOf(gen, ['name', 'summary']), new Y.Text(prng.word(gen, 0, 6)))
        break
      case 2:
        // Including a kind this client does not know: it reads as `note`.
        fields.set('kind', prng.oneOf(gen, [...ELEMENT_KINDS, 'dragon']))
        break
      case 3:
        tags.push([prng.oneOf(gen, TAG_WORDS)])
        break
      case 4:
        if (tags.length > 0) tags.delete(prng.int32(gen, 0, tags.length - 1), 1)
        break
      case 5:
        attributes.set(prng.oneOf(gen, ATTRIBUTE_KEYS), new Y.Text(prng.word(gen, 0, 5)))
        break
      case 6: {
        const value = attributes.get(prng.oneOf(gen, ATTRIBUTE_KEYS))
        if (value) value.insert(prng.int32(gen, 0, value.length), prng.word(gen, 1, 3))
        break
      }
      default:
        attributes.delete(prng.oneOf(gen, ATTRIBUTE_KEYS))
    }
  })
}

/** A store action with random arguments, as the UI would call it. */
const storeAction = (gen: prng.PRNG, store: ElementStore): void => {
  switch (prng.int32(gen, 0, 6)) {
    case 0: {
      const field: TextField = prng.oneOf(gen, ['name', 'summary'])
      const { next, cursor } = randomEdit(gen, store.fields[field])
      store.editText(field, next, cursor)
      break
    }
    case 1:
      store.setKind(prng.oneOf(gen, [...ELEMENT_KINDS]))
      break
    case 2:
      store.addTag(prng.oneOf(gen, TAG_WORDS))
      break
    case 3:
      if (store.tags.length > 0) store.removeTag(prng.oneOf(gen, store.tags))
      break
    case 4:
      store.addAttribute(prng.oneOf(gen, ATTRIBUTE_KEYS))
      break
    case 5: {
      const keys = Object.keys(store.attributes)
      if (keys.length === 0) break
      const key = prng.oneOf(gen, keys)
      const { next, cursor } = randomEdit(gen, store.attributes[key] ?? '')
      store.editAttribute(key, next, cursor)
      break
    }
    default: {
      const keys = Object.keys(store.attributes)
      if (keys.length > 0) store.removeAttribute(prng.oneOf(gen, keys))
    }
  }
}

describe('element store mirror', () => {
  let pinia: Pinia
  beforeEach(() => {
    pinia = createPinia()
    setActivePinia(pinia)
  })

  for (const seed of seedsFromEnv(20)) {
    it(`equals readContent and doc.toJSON after ${OPERATIONS} random local and remote operations (seed ${seed})`, () => {
      withSeed(seed, (gen) => {
        const seedUpdate = encodeSeedUpdate({ kind: 'character', name: 'Mirela', summary: '' })
        const local = new Y.Doc()
        const peers = [new Y.Doc(), new Y.Doc()]
        for (const doc of [local, ...peers]) Y.applyUpdate(doc, seedUpdate, REMOTE)

        // Each replica's updates wait in a queue per receiver and arrive in random order.
        const inbox = new Map<Y.Doc, Uint8Array[]>([
          [local, []],
          ...peers.map((p) => [p, []] as [Y.Doc, Uint8Array[]]),
        ])
        for (const doc of [local, ...peers]) {
          doc.on('update', (update: Uint8Array, origin: unknown) => {
            if (origin === REMOTE) return
            for (const [receiver, queue] of inbox) if (receiver !== doc) queue.push(update)
          })
        }

        const store = useElementStore(`element-${seed}`, pinia)
        store.attach(local)

        // Every update the local doc emits, by origin: nothing but our actions and deliveries.
        let phase: 'action' | 'delivery' | 'idle' = 'idle'
        let updatesInPhase = 0
        local.on('update', (_update: Uint8Array, origin: unknown) => {
          updatesInPhase++
          if (phase === 'action') expect(origin).toBe(STORE_ORIGIN)
          else if (phase === 'delivery') expect(origin).toBe(REMOTE)
          else
            throw new Error(
              `the local doc changed outside any operation (origin ${String(origin)})`,
            )
        })

        const deliver = (receiver: Y.Doc, all: boolean): void => {
          const queue = inbox.get(receiver) ?? []
          while (queue.length > 0 && (all || prng.bool(gen))) {
            const [update] = queue.splice(prng.int32(gen, 0, queue.length - 1), 1)
            if (!update) continue
            if (receiver !== local) {
              Y.applyUpdate(receiver, update, REMOTE)
              continue
            }
            phase = 'delivery'
            updatesInPhase = 0
            Y.applyUpdate(local, update, REMOTE)
            // One incoming update is at most one local update event: the observers never write.
            expect(updatesInPhase).toBeLessThanOrEqual(1)
            phase = 'idle'
          }
        }

        for (let i = 0; i < OPERATIONS; i++) {
          const roll = prng.int32(gen, 0, 9)
          if (roll < 4) {
            phase = 'action'
            updatesInPhase = 0
            storeAction(gen, store)
            // One action, one transaction: at most one update.
            expect(updatesInPhase).toBeLessThanOrEqual(1)
            phase = 'idle'
          } else if (roll < 8) {
            remoteOperation(gen, prng.oneOf(gen, peers))
          } else {
            deliver(prng.oneOf(gen, [local, ...peers]), false)
          }
          expect(mirrorOf(store)).toEqual(readContent(local))
        }

        for (const doc of [local, ...peers]) deliver(doc, true)
        for (const doc of [local, ...peers]) deliver(doc, true)
        expect(mirrorOf(store)).toEqual(readContent(local))
        const { kind: _kind, ...mirrored } = mirrorOf(store)
        expect(mirrored).toEqual(jsonContent(local))
        for (const peer of peers) expect(readContent(peer)).toEqual(readContent(local))

        disposeElementStore(store, pinia)
      })
    })
  }

  it('reports the document as having content only once it has some', () => {
    const store = useElementStore('element-empty', pinia)
    const doc = new Y.Doc()
    store.attach(doc)
    expect(store.hasContent).toBe(false)
    Y.applyUpdate(doc, encodeSeedUpdate({ kind: 'item', name: 'Lantern', summary: '' }), REMOTE)
    expect(store.hasContent).toBe(true)
    expect(store.fields).toEqual({ kind: 'item', name: 'Lantern', summary: '' })
    disposeElementStore(store, pinia)
  })

  it('refuses to edit before a document is attached, saying what to do', () => {
    const store = useElementStore('element-detached', pinia)
    expect(() => store.editText('name', 'x')).toThrow(/attach its document/)
  })

  it('stops mirroring after detach', () => {
    const store = useElementStore('element-detach', pinia)
    const doc = new Y.Doc()
    Y.applyUpdate(doc, encodeSeedUpdate({ kind: 'item', name: 'Lantern', summary: '' }))
    store.attach(doc)
    store.detach()
    ;(getFields(doc).get('name') as Y.Text).insert(0, 'Old ')
    expect(store.fields.name).toBe('Lantern')
  })
})
