/**
 * Several real server processes on one PostgreSQL schema and one Redis key prefix (both fresh for
 * this file and removed afterwards). Clients spread over the nodes must see one document: edits,
 * presence and world events cross nodes; a node killed with SIGKILL or a Redis pause loses nothing
 * that was acknowledged. The nodes share one AUTH_SECRET, so a user registered on one node is
 * signed in on every node.
 */
import { randomBytes } from 'node:crypto'
import { io as connectSocket } from 'socket.io-client'
import { clientWireParser } from '../../shared/wire-parser.ts'
import * as prng from 'lib0/prng'
import { createClient } from 'redis'
import { afterAll, afterEach, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { ElementSummary } from '../../shared/api.ts'
import { readTags } from '../../shared/element-doc.ts'
import { startNode, type ClusterNode } from '../../scripts/cluster-nodes.ts'
import { openPostgresStore } from '../../server/storage/postgres/postgres-store.ts'
import { addMember, createElement, createWorld } from '../helpers/api-client.ts'
import { registerUser, uniqueUsername, type TestUser } from '../helpers/auth.ts'
import { anyOf, onEvent, until } from '../helpers/events.ts'
import {
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  describeWithServices,
  dropSchema,
  probePostgres,
  probeRedis,
  uniqueName,
} from '../helpers/services.ts'
import { Replica } from '../helpers/replica.ts'

const [postgres, redis] = await Promise.all([probePostgres(), probeRedis()])
const services = postgres.ok ? redis : postgres

const schema = uniqueName('loresync_cluster')
const keyPrefix = uniqueName('loresync-cluster')
const authSecret = randomBytes(32).toString('base64url')
const running = new Set<ClusterNode>()
const replicas: Replica[] = []

const start = async (count: number): Promise<ClusterNode[]> => {
  const nodes: ClusterNode[] = []
  // One after the other keeps the logs readable; migrations are safe either way.
  for (let index = 0; index < count; index++) {
    const node = await startNode({
      databaseUrl: TEST_DATABASE_URL,
      databaseSchema: schema,
      redisUrl: TEST_REDIS_URL,
      redisKeyPrefix: keyPrefix,
      authSecret,
      // The cheapest password hash the config accepts: registrations stay fast on a busy machine.
      env: { PASSWORD_HASH_COST: '10' },
      // At least info: the node announces its URL in an info line.
      logLevel: 'info',
      onLog: process.env.TEST_LOG_LEVEL ? (line) => console.log(line) : undefined,
    })
    running.add(node)
    nodes.push(node)
  }
  return nodes
}

const replica = (name: string, docId: string, user: TestUser): Replica => {
  const created = new Replica(name, docId, user.token)
  replicas.push(created)
  return created
}

/** A fresh user who owns a new world on `node` with one element in it. */
const newElement = async (
  node: ClusterNode,
): Promise<{ element: ElementSummary; owner: TestUser }> => {
  const owner = await registerUser(node.url, uniqueUsername('owner'))
  const api = { url: node.url, token: owner.token }
  const world = await createWorld(api, 'Cluster world')
  const element = await createElement(api, world.id, { kind: 'location', name: 'Harrow' })
  return { element, owner }
}

/** Every replica's content and state vector agree, and every acknowledged tag is in it. */
const expectConverged = async (all: readonly Replica[]): Promise<void> => {
  const acked = all.flatMap((r) => [...r.acked])
  const converged = (): boolean =>
    all.every(
      (r) => acked.every((tag) => readTags(r.doc).includes(tag)) && sameState(all[0]!.doc, r.doc),
    )
  // Re-checked whenever any replica's document changes: the last change may be anyone's.
  await until(
    'every replica to converge',
    converged,
    anyOf(...all.map((r) => onEvent(r.doc, 'update'))),
    20_000,
  )
}

const sameState = (a: Y.Doc, b: Y.Doc): boolean =>
  Buffer.from(Y.encodeStateVector(a)).equals(Buffer.from(Y.encodeStateVector(b))) &&
  JSON.stringify(readTags(a)) === JSON.stringify(readTags(b))

/** What PostgreSQL holds for the element, read directly. */
const stored = async (docId: string): Promise<Y.Doc> => {
  const store = await openPostgresStore({ url: TEST_DATABASE_URL, schema, poolSize: 1 })
  try {
    const document = await store.loadDocument(docId)
    if (!document) throw new Error(`element ${docId} is not stored`)
    const doc = new Y.Doc()
    if (document.snapshot) Y.applyUpdate(doc, document.snapshot)
    for (const update of document.updates) Y.applyUpdate(doc, update)
    return doc
  } finally {
    await store.close()
  }
}

/** A fresh replica joined on each node: what each node's room holds right now. */
const readEveryNode = async (
  nodes: readonly ClusterNode[],
  docId: string,
  user: TestUser,
): Promise<Y.Doc[]> => {
  const docs: Y.Doc[] = []
  for (const [index, node] of nodes.entries()) {
    const reader = replica(`reader${index}`, docId, user)
    await reader.connect(node.url)
    docs.push(reader.doc)
  }
  return docs
}

/** Random concurrent edits from every replica; resolves when each has made `edits`. */
const editConcurrently = async (all: readonly Replica[], edits: number, seed: number) => {
  // The seed names the round, so tags of different rounds never collide.
  const gen = prng.create(seed)
  await Promise.all(
    all.map(async (r) => {
      for (let index = 0; index < edits; index++) {
        // A random burst of unacknowledged edits in flight at once, then wait for them.
        const burst = prng.int32(gen, 1, 4)
        await Promise.all(
          Array.from({ length: burst }, (_, b) => r.addTag(`${r.name}:${seed}.${index}.${b}`)),
        )
      }
    }),
  )
}

/** Starting processes and waiting out a Redis pause take longer than the unit-test default. */
const SLOW = 90_000

describeWithServices('multi-node (PostgreSQL + Redis)', services, () => {
  afterEach(async () => {
    for (const r of replicas.splice(0)) r.destroy()
    await Promise.all([...running].map((node) => node.stop()))
    running.clear()
  })

  afterAll(async () => {
    await dropSchema(schema)
    const client = createClient({ url: TEST_REDIS_URL })
    await client.connect()
    try {
      for await (const keys of client.scanIterator({ MATCH: `${keyPrefix}*`, COUNT: 100 })) {
        if (keys.length > 0) await client.del(keys)
      }
    } finally {
      await client.close()
    }
  })

  it.each([
    [2, 11],
    [3, 23],
  ])(
    '%i nodes: clients spread over them converge on random concurrent edits (seed %i)',
    async (count, seed) => {
      const nodes = await start(count)
      const { element, owner } = await newElement(nodes[0]!)
      const clients = Array.from({ length: count * 2 }, (_, index) =>
        replica(`c${index}`, element.id, owner),
      )
      await Promise.all(clients.map((c, index) => c.connect(nodes[index % count]!.url)))

      await editConcurrently(clients, 15, seed)

      await expectConverged(clients)
      const rooms = await readEveryNode(nodes, element.id, owner)
      for (const room of rooms) expect(sameState(room, clients[0]!.doc)).toBe(true)
      const persisted = await stored(element.id)
      for (const tag of clients.flatMap((c) => [...c.acked])) {
        expect(readTags(persisted)).toContain(tag)
      }
    },
    SLOW,
  )

  it(
    'presence crosses nodes, and a departure removes it there too',
    async () => {
      const [a, b] = await start(2)
      const { element, owner: ilse } = await newElement(a!)
      // Another user, signed up and made an editor through node B.
      const tomas = await registerUser(b!.url, uniqueUsername('tomas'))
      await addMember({ url: b!.url, token: ilse.token }, element.worldId, tomas.username, 'editor')
      const onA = replica('onA', element.id, ilse)
      const onB = replica('onB', element.id, tomas)
      await onA.connect(a!.url)
      await onB.connect(b!.url)

      // The server stamps `user` from the session, whatever the client claims.
      const isIlse = (state: Record<string, unknown>): boolean =>
        (state.user as { name?: unknown } | undefined)?.name === ilse.username
      onA.announce({ user: { name: 'someone else' } })
      await onB.until('Ilse on node B', () => [...onB.awareness.getStates().values()].some(isIlse))

      // A client joining node B later still sees Ilse: node B's room holds node A's presence.
      const late = replica('late', element.id, tomas)
      await late.connect(b!.url)
      expect([...late.awareness.getStates().values()].some(isIlse)).toBe(true)

      onA.disconnect()
      await onB.until('Ilse gone from node B', () =>
        [...onB.awareness.getStates().values()].every((state) => !isIlse(state)),
      )
    },
    SLOW,
  )

  it(
    'a rename on node A reaches a world subscriber on node B',
    async () => {
      const [a, b] = await start(2)
      const { element, owner } = await newElement(a!)
      const subscriber = connectSocket(b!.url, {
        auth: { token: owner.token },
        transports: ['websocket'],
        parser: clientWireParser,
        forceNew: true,
      })
      try {
        const updates: ElementSummary[] = []
        subscriber.on('element:updated', (summary: ElementSummary) => updates.push(summary))
        const subscribed = await new Promise<{ ok: boolean }>((resolve) =>
          subscriber.emit('world:subscribe', element.worldId, resolve),
        )
        expect(subscribed.ok).toBe(true)

        const editor = replica('editor', element.id, owner)
        await editor.connect(a!.url)
        expect(await editor.rename('Harrow-on-Sea')).toBe(true)

        await until(
          'element:updated on node B',
          () => updates.some((u) => u.id === element.id && u.name === 'Harrow-on-Sea'),
          (check) => {
            subscriber.on('element:updated', check)
            return () => subscriber.off('element:updated', check)
          },
        )
      } finally {
        subscriber.disconnect()
      }
    },
    SLOW,
  )

  it(
    'kill -9 of a node during edits: its clients move to another node and lose nothing acknowledged',
    async () => {
      const [a, b, c] = await start(3)
      const { element, owner } = await newElement(a!)
      const onA = [replica('a0', element.id, owner), replica('a1', element.id, owner)]
      const onB = [replica('b0', element.id, owner), replica('b1', element.id, owner)]
      const onC = [replica('c0', element.id, owner)]
      await Promise.all([
        ...onA.map((r) => r.connect(a!.url)),
        ...onB.map((r) => r.connect(b!.url)),
        ...onC.map((r) => r.connect(c!.url)),
      ])
      const everyone = [...onA, ...onB, ...onC]

      const editing = editConcurrently(everyone, 30, 5)
      // Kill B once some of its clients' edits are acknowledged, while the rest are in flight.
      await until(
        'some acknowledged edits on node B',
        () => onB.every((r) => r.acked.size >= 5),
        (check) => {
          const timer = setInterval(check, 5)
          return () => clearInterval(timer)
        },
      )
      await b!.kill9()
      running.delete(b!)
      await editing

      // Node B's clients come back through another node, bringing what was not acknowledged.
      await Promise.all(onB.map((r, index) => r.connect((index === 0 ? a : c)!.url)))
      await editConcurrently(everyone, 3, 6)

      await expectConverged(everyone)
      const persisted = readTags(await stored(element.id))
      const lost = everyone.flatMap((r) => [...r.acked]).filter((tag) => !persisted.includes(tag))
      expect(lost).toEqual([])
    },
    SLOW,
  )

  it(
    'Redis paused for 5 s mid-edit: everything converges afterwards and nothing acknowledged is lost',
    async () => {
      const [a, b] = await start(2)
      const { element, owner } = await newElement(a!)
      const onA = replica('pa', element.id, owner)
      const onB = replica('pb', element.id, owner)
      await onA.connect(a!.url)
      await onB.connect(b!.url)
      await editConcurrently([onA, onB], 5, 7)

      const admin = createClient({ url: TEST_REDIS_URL })
      await admin.connect()
      try {
        // Every client but this one is held for 5 s; commands queue meanwhile.
        await admin.sendCommand(['CLIENT', 'PAUSE', '5000', 'ALL'])
        const pausedAt = Date.now()
        await editConcurrently([onA, onB], 10, 8)
        // Acknowledgements do not wait for Redis: storage alone decides them.
        expect(Date.now() - pausedAt).toBeLessThan(5000)
      } finally {
        await admin.close()
      }

      await expectConverged([onA, onB])
      const rooms = await readEveryNode([a!, b!], element.id, owner)
      for (const room of rooms) expect(sameState(room, onA.doc)).toBe(true)
      const persisted = readTags(await stored(element.id))
      expect([...onA.acked, ...onB.acked].filter((tag) => !persisted.includes(tag))).toEqual([])
    },
    SLOW,
  )

  it(
    'reports PostgreSQL and Redis in /readyz',
    async () => {
      const [a] = await start(1)
      const response = await fetch(`${a!.url}/readyz`)
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ status: 'ready', storage: 'ok', redis: 'ok' })
    },
    SLOW,
  )
})
