/**
 * Yjs-style randomized convergence through the real room, handler and provider code: five
 * CollabClients share two elements over the in-memory transport, make random edits to every part of
 * the element document, receive messages in random order, and drop and regain their connection at
 * random. At the end every replica, the server's document, the element index and a document rebuilt
 * from storage must agree.
 *
 * `SEED=n` replays one seed exactly; `ITERATIONS=n` makes the runs longer.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { ElementSummary } from '../../shared/api.ts'
import { ELEMENT_KINDS } from '../../shared/element-kinds.ts'
import { getAttributes, getBody, getFields, getTags, readFields } from '../../shared/element-doc.ts'
import type { CollabClient } from '../../client/collab/collab-client.ts'
import type { ElementSession } from '../../client/collab/element-session.ts'
import type { StoredDocument } from '../../server/storage/store.ts'
import { startMemoryServer, type MemoryLoresync } from '../helpers/in-memory-server.ts'
import {
  iterationsFromEnv,
  replayingOneSeed,
  seedFromEnv,
  withSeed,
  type Random,
} from '../helpers/prng.ts'

const CLIENTS = 5
const ELEMENTS = 2
const ITERATIONS = iterationsFromEnv(150)

const ATTRIBUTE_KEYS = ['Age', 'Allegiance', 'Climate', 'Height'] as const

// ---------------------------------------------------------------------------------------------
// Random operations on one element document. Each returns false when it found nothing to do.

type Op = (doc: Y.Doc, random: Random, session: ElementSession) => boolean

const editText = (text: Y.Text | Y.XmlText, random: Random): void => {
  if (text.length > 0 && random.chance(0.35)) {
    const index = random.int(0, text.length - 1)
    text.delete(index, random.int(1, Math.min(4, text.length - index)))
  } else {
    text.insert(random.int(0, text.length), random.word(1, 6))
  }
}

/** The field's Y.Text once the client has it; a client never creates it (the server seeds). */
const fieldText = (doc: Y.Doc, key: 'name' | 'summary'): Y.Text | null => {
  const value = getFields(doc).get(key)
  return value instanceof Y.Text ? value : null
}

/** The text of a body paragraph, if there is any paragraph. */
const paragraphText = (doc: Y.Doc, random: Random): Y.XmlText | null => {
  const candidates = getBody(doc)
    .toArray()
    .flatMap((node) => (node instanceof Y.XmlElement ? node.toArray() : []))
    .filter((node): node is Y.XmlText => node instanceof Y.XmlText)
  return candidates.length > 0 ? random.pick(candidates) : null
}

const OPS: readonly { readonly name: string; readonly weight: number; readonly run: Op }[] = [
  {
    name: 'edit name',
    weight: 4,
    run: (doc, random) => {
      const text = fieldText(doc, 'name')
      if (text) editText(text, random)
      return text !== null
    },
  },
  {
    name: 'edit summary',
    weight: 3,
    run: (doc, random) => {
      const text = fieldText(doc, 'summary')
      if (text) editText(text, random)
      return text !== null
    },
  },
  {
    name: 'change kind',
    weight: 1,
    run: (doc, random) => {
      getFields(doc).set('kind', random.pick(ELEMENT_KINDS))
      return true
    },
  },
  {
    name: 'set attribute',
    weight: 2,
    run: (doc, random) => {
      getAttributes(doc).set(random.pick(ATTRIBUTE_KEYS), new Y.Text(random.word(1, 6)))
      return true
    },
  },
  {
    name: 'edit attribute',
    weight: 3,
    run: (doc, random) => {
      const attributes = getAttributes(doc)
      const keys = [...attributes.keys()]
      const text = keys.length > 0 ? attributes.get(random.pick(keys)) : undefined
      if (text instanceof Y.Text) editText(text, random)
      return text instanceof Y.Text
    },
  },
  {
    name: 'delete attribute',
    weight: 1,
    run: (doc, random) => {
      const keys = [...getAttributes(doc).keys()]
      if (keys.length > 0) getAttributes(doc).delete(random.pick(keys))
      return keys.length > 0
    },
  },
  {
    name: 'push tag',
    weight: 2,
    run: (doc, random) => {
      getTags(doc).push([random.word(2, 6)])
      return true
    },
  },
  {
    name: 'delete tag',
    weight: 1,
    run: (doc, random) => {
      const tags = getTags(doc)
      if (tags.length > 0) tags.delete(random.int(0, tags.length - 1), 1)
      return tags.length > 0
    },
  },
  {
    name: 'insert paragraph',
    weight: 3,
    run: (doc, random) => {
      const body = getBody(doc)
      const node = new Y.XmlElement(random.chance(0.2) ? 'heading' : 'paragraph')
      if (node.nodeName === 'heading') node.setAttribute('level', String(random.int(1, 3)))
      node.insert(0, [new Y.XmlText(random.word(1, 10))])
      body.insert(random.int(0, body.length), [node])
      return true
    },
  },
  {
    name: 'edit paragraph text',
    weight: 4,
    run: (doc, random) => {
      const text = paragraphText(doc, random)
      if (text) editText(text, random)
      return text !== null
    },
  },
  {
    name: 'format bold',
    weight: 2,
    run: (doc, random) => {
      const text = paragraphText(doc, random)
      if (!text || text.length === 0) return false
      const index = random.int(0, text.length - 1)
      const length = random.int(1, text.length - index)
      text.format(index, length, { bold: random.chance(0.8) ? true : null })
      return true
    },
  },
  {
    name: 'delete body range',
    weight: 1,
    run: (doc, random) => {
      const body = getBody(doc)
      if (body.length === 0) return false
      const index = random.int(0, body.length - 1)
      body.delete(index, random.int(1, Math.min(2, body.length - index)))
      return true
    },
  },
  {
    name: 'move caret',
    weight: 2,
    run: (_doc, random, session) => {
      session.awareness.setLocalStateField('cursor', { anchor: random.int(0, 50) })
      return true
    },
  },
]

const pickOp = (random: Random): (typeof OPS)[number] => {
  const total = OPS.reduce((sum, op) => sum + op.weight, 0)
  let roll = random.int(0, total - 1)
  for (const op of OPS) {
    if (roll < op.weight) return op
    roll -= op.weight
  }
  throw new Error('unreachable: weights cover every roll')
}

// ---------------------------------------------------------------------------------------------
// Comparison, after yjs' compare(): content, state vector, delete set, no pending structs.

interface Replica {
  readonly label: string
  readonly doc: Y.Doc
}

/** Every top-level type read through the schema, so each replica defines them the same way. */
const contentOf = (doc: Y.Doc) => ({
  fields: getFields(doc).toJSON(),
  attributes: getAttributes(doc).toJSON(),
  tags: getTags(doc).toJSON(),
  body: getBody(doc).toString(),
  whole: doc.toJSON(),
})

const rebuild = (stored: StoredDocument): Y.Doc => {
  const doc = new Y.Doc()
  if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot)
  for (const update of stored.updates) Y.applyUpdate(doc, update)
  return doc
}

const expectConverged = (seed: number, replicas: readonly Replica[]): void => {
  const [reference, ...others] = replicas
  if (!reference) throw new Error('nothing to compare')
  const expected = contentOf(reference.doc)
  const expectedVector = Y.encodeStateVector(reference.doc)
  const expectedSnapshot = Y.snapshot(reference.doc)
  for (const replica of replicas) {
    const where = `seed ${seed}: ${replica.label}`
    expect(replica.doc.store.pendingStructs, `${where} has pending structs`).toBeNull()
    expect(replica.doc.store.pendingDs, `${where} has a pending delete set`).toBeNull()
  }
  for (const replica of others) {
    const where = `seed ${seed}: ${replica.label} vs ${reference.label}`
    expect(contentOf(replica.doc), `${where}: content`).toEqual(expected)
    expect(Y.encodeStateVector(replica.doc), `${where}: state vector`).toEqual(expectedVector)
    expect(
      Y.equalSnapshots(Y.snapshot(replica.doc), expectedSnapshot),
      `${where}: delete set and state vector (Y.snapshot)`,
    ).toBe(true)
  }
}

// ---------------------------------------------------------------------------------------------
// One run.

interface Participant {
  readonly client: CollabClient
  readonly sessions: ElementSession[]
}

/** The world index as a subscriber on one client sees it. */
const watchWorld = (client: CollabClient, worldId: string): Map<string, ElementSummary> => {
  const index = new Map<string, ElementSummary>()
  client.subscribeWorld(worldId, {
    reset: (elements) => {
      index.clear()
      for (const element of elements) index.set(element.id, element)
    },
    created: (element) => index.set(element.id, element),
    updated: (element) => index.set(element.id, element),
    deleted: (element) => index.delete(element.id),
  })
  return index
}

const fieldsOf = (element: ElementSummary | undefined) =>
  element && { kind: element.kind, name: element.name, summary: element.summary }

const runConvergence = async (random: Random, iterations: number): Promise<void> => {
  const seed = random.seed
  const server: MemoryLoresync = await startMemoryServer({
    compactAfterRows: random.int(4, 40),
  })
  const worldId = await server.createWorld('Convergence')
  const docIds: string[] = []
  for (let e = 0; e < ELEMENTS; e++) {
    docIds.push(
      await server.createElement(worldId, {
        kind: random.pick(ELEMENT_KINDS),
        name: random.word(3, 8),
        summary: random.word(0, 12),
      }),
    )
  }

  const participants: Participant[] = []
  const usedClientIds = new Set<number>()
  for (let c = 0; c < CLIENTS; c++) {
    const client = server.createClient()
    const sessions = docIds.map((docId) => {
      const doc = new Y.Doc()
      // Seeded client ids make a replay reproduce the same conflict resolution.
      do doc.clientID = random.uint32()
      while (usedClientIds.has(doc.clientID))
      usedClientIds.add(doc.clientID)
      return client.open(docId, { doc })
    })
    client.connect()
    participants.push({ client, sessions })
  }
  const index = watchWorld(participants[0]!.client, worldId)

  const counts = new Map<string, number>()
  for (let step = 0; step < iterations; step++) {
    const roll = random.int(0, 99)
    if (roll < 6) {
      const { client } = random.pick(participants)
      if (client.status === 'connected') client.disconnect()
      else client.connect()
    } else if (roll < 50) {
      for (let n = random.int(1, 6); n > 0; n--) {
        server.network.deliverRandom(random)
        await server.settle()
      }
    } else {
      const session = random.pick(random.pick(participants).sessions)
      const op = pickOp(random)
      if (op.run(session.doc, random, session)) counts.set(op.name, (counts.get(op.name) ?? 0) + 1)
    }
    await server.settle()
  }

  for (const { client } of participants) client.connect()
  await server.flush(random)

  expect(
    [...counts.values()].reduce((a, b) => a + b, 0),
    `seed ${seed}: no edit was made`,
  ).toBeGreaterThan(0)

  for (const [e, docId] of docIds.entries()) {
    const sessions = participants.map((p) => p.sessions[e]!)
    const room = server.registry.get(docId)
    expect(room, `seed ${seed}: element ${e} is loaded while clients are in it`).toBeDefined()

    for (const [c, session] of sessions.entries()) {
      expect(session.state, `seed ${seed}: client ${c}, element ${e} is synced and saved`).toEqual(
        expect.objectContaining({ synced: true, unsyncedChanges: 0, error: null }),
      )
    }

    const stored = await server.store.loadDocument(docId)
    if (!stored) throw new Error(`seed ${seed}: element ${e} is missing from storage`)
    const fromStorage = rebuild(stored)
    expectConverged(seed, [
      { label: 'server room', doc: room!.doc },
      ...sessions.map((session, c) => ({ label: `client ${c}`, doc: session.doc })),
      { label: 'document rebuilt from storage', doc: fromStorage },
    ])

    // The element index follows the documents: in storage and at a world subscriber.
    const fields = readFields(room!.doc)
    expect(fieldsOf(await server.store.getElement(docId)), `seed ${seed}: stored index`).toEqual(
      fields,
    )
    expect(fieldsOf(index.get(docId)), `seed ${seed}: index seen by a subscriber`).toEqual(fields)

    // Presence converges too: every client sees every client that has set something, and so does
    // the server, with the `user` the server stamps from the session (a client's own entry is as
    // it set it). A replica's initial empty state is never announced (element-session.ts).
    const user = { id: server.user.id, name: server.user.username, color: server.user.color }
    const local = sessions.map(
      (session) => [session.doc.clientID, session.awareness.getLocalState()] as const,
    )
    const stamped = new Map<number, Record<string, unknown> | null>(
      local
        .filter(([, state]) => state !== null && Object.keys(state).length > 0)
        .map(([id, state]) => [id, { ...state, user }]),
    )
    for (const [c, session] of sessions.entries()) {
      const expected = new Map(stamped).set(session.doc.clientID, local[c]![1])
      expect(
        new Map(session.awareness.getStates()),
        `seed ${seed}: presence seen by client ${c}, element ${e}`,
      ).toEqual(expected)
    }
    expect(new Map(room!.awareness.getStates()), `seed ${seed}: presence on the server`).toEqual(
      stamped,
    )
    fromStorage.destroy()
  }

  // Everyone leaves: each room unloads, compacting its log into one snapshot that still holds
  // exactly the converged document.
  const finalContent = participants[0]!.sessions.map((session) => contentOf(session.doc))
  for (const { client } of participants) client.destroy()
  await server.flush(random)
  expect(server.registry.size, `seed ${seed}: rooms unloaded after everyone left`).toBe(0)
  for (const [e, docId] of docIds.entries()) {
    expect(await server.store.countUpdates(docId), `seed ${seed}: log compacted`).toBe(0)
    const stored = await server.store.loadDocument(docId)
    const reloaded = rebuild(stored!)
    expect(reloaded.store.pendingStructs, `seed ${seed}: no pending structs`).toBeNull()
    expect(contentOf(reloaded), `seed ${seed}: compacted element ${e}`).toEqual(finalContent[e])
    reloaded.destroy()
  }
}

describe(`randomized convergence: ${CLIENTS} clients, ${ELEMENTS} elements, random delivery and reconnects`, () => {
  for (const seed of seedFromEnv()) {
    it(`seed ${seed}: ${ITERATIONS} iterations converge on every replica and in storage`, () =>
      withSeed(seed, (random) => runConvergence(random, ITERATIONS)))
  }
})

/**
 * Longer runs of seeds that once found a bug, kept as regressions (left out when SEED replays one
 * seed: `SEED=190057 ITERATIONS=1500` replays one of them). 190057 and 205895: the server's doc deleted redundant formatting marks in its own cleanup
 * transaction, and only the sender of the update that caused it never heard of the deletion.
 */
const REGRESSIONS = [190057, 205895]
const LONG_RUN = 1500
if (!replayingOneSeed()) {
  describe('randomized convergence regressions', () => {
    for (const seed of REGRESSIONS) {
      it(`seed ${seed}: ${LONG_RUN} iterations converge on every replica and in storage`, () =>
        withSeed(seed, (random) => runConvergence(random, LONG_RUN)))
    }
  })
}
