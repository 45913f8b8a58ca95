/**
 * The sync core over real sockets: a Loresync server on 127.0.0.1 (port 0, SQLite in a temp dir),
 * real CollabClients and bare socket.io-client sockets. Every wait resolves on an event.
 */
import { EventEmitter } from 'node:events'
import { describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import type { ElementSummary } from '../../shared/api.ts'
import { ERROR_CODES, type ErrorPayload } from '../../shared/errors.ts'
import { getBody, getTags, readContent } from '../../shared/element-doc.ts'
import {
  MAX_AWARENESS_BYTES,
  MAX_AWARENESS_STATE_BYTES,
  MAX_MESSAGE_BYTES,
} from '../../shared/limits.ts'
import type { ElementDeleted, ElementPresence } from '../../shared/protocol.ts'
import type { CollabClient } from '../../client/collab/collab-client.ts'
import { databaseFile } from '../../server/lifecycle/data-dir.ts'
import type { RoomRegistry } from '../../server/rooms/room-registry.ts'
import { openSqliteStore } from '../../server/storage/sqlite/sqlite-store.ts'
import {
  addMember,
  createElement,
  createWorld,
  getElement,
  listElements,
  request,
} from '../helpers/api-client.ts'
import { registerUser } from '../helpers/auth.ts'
import { awarenessFrame } from '../helpers/awareness-frames.ts'
import { onEvent, until } from '../helpers/events.ts'
import { Random } from '../helpers/prng.ts'
import { whenDisconnected, type RawSocket } from '../helpers/raw-socket.ts'
import { startTestServer } from '../helpers/test-server.ts'
import {
  nameText,
  occurrences,
  rebuildFromStorage,
  summaryText,
  useClient,
  useRawSocket,
  useServer,
  useTempDir,
  whenDoc,
  whenSaved,
  whenStatus,
  whenSynced,
} from '../helpers/sync-fixtures.ts'

/** Adds a paragraph holding `text` at the end of the body. */
const appendParagraph = (doc: Y.Doc, text: string): void => {
  const paragraph = new Y.XmlElement('paragraph')
  paragraph.insert(0, [new Y.XmlText(text)])
  getBody(doc).push([paragraph])
}

const tagsOf = (doc: Y.Doc): string[] => getTags(doc).toArray()

/** Joins `docId` on a bare socket and returns the server's answer. */
const rawJoin = (socket: RawSocket, docId: string) =>
  socket
    .timeout(10_000)
    .emitWithAck('doc:join', { docId, stateVector: Y.encodeStateVector(new Y.Doc()) })

/**
 * The same socket without the contract's types: these tests send exactly what the contract
 * forbids (numbers for ids, strings for updates, no acknowledgement), as a hostile client would.
 */
interface UntypedSocket {
  emit(event: string, ...args: unknown[]): unknown
  timeout(ms: number): { emitWithAck(event: string, ...args: unknown[]): Promise<unknown> }
}
const untyped = (socket: RawSocket): UntypedSocket => socket as unknown as UntypedSocket

/** Records `doc:error`s arriving on a bare socket and lets a test wait for the next one. */
const recordDocErrors = (socket: RawSocket) => {
  const errors: { docId: string; error: ErrorPayload }[] = []
  socket.on('doc:error', (docId, error) => errors.push({ docId, error }))
  return {
    errors,
    next: async (what: string) => {
      const seen = errors.length
      await until(what, () => errors.length > seen, onEvent(socket, 'doc:error'))
      return errors[errors.length - 1]!
    },
  }
}

/** A world subscription that records what arrives, for awaiting a given event. */
const watchWorld = (client: CollabClient, worldId: string) => {
  const changed = new EventEmitter()
  const seen = {
    reset: [] as (readonly ElementSummary[])[],
    created: [] as ElementSummary[],
    updated: [] as ElementSummary[],
    deleted: [] as ElementDeleted[],
    presence: [] as ElementPresence[],
    presenceAtReset: [] as (readonly ElementPresence[])[],
  }
  const record =
    <K extends keyof typeof seen>(kind: K) =>
    (value: (typeof seen)[K][number]) => {
      ;(seen[kind] as (typeof value)[]).push(value)
      changed.emit('change')
    }
  client.subscribeWorld(worldId, {
    reset: (elements, presence) => {
      seen.presenceAtReset.push(presence)
      record('reset')(elements)
    },
    created: record('created'),
    updated: record('updated'),
    deleted: record('deleted'),
    presence: record('presence'),
  })
  const when = (what: string, condition: () => boolean) =>
    until(what, condition, onEvent(changed, 'change'))
  return { seen, when }
}

describe('sync over real sockets', () => {
  it('three clients converge on concurrent edits to the same element', async () => {
    const server = await useServer()
    const world = await createWorld(server)
    const element = await createElement(server, world.id, { kind: 'character', name: 'Aria' })
    const sessions = [useClient(server), useClient(server), useClient(server)].map((client) =>
      client.open(element.id),
    )
    await Promise.all(sessions.map(whenSynced))

    // Edits made before any of them reaches the others.
    sessions.forEach((session, i) =>
      session.doc.transact(() => {
        nameText(session.doc).insert(0, `c${i}-`)
        getTags(session.doc).push([`tag-${i}`])
        appendParagraph(session.doc, `paragraph ${i}`)
      }),
    )
    await Promise.all(
      sessions.map((session) =>
        whenDoc(session.doc, 'all three tags', (doc) => tagsOf(doc).length === 3),
      ),
    )
    await Promise.all(sessions.map((session) => whenSaved(session)))

    const [first, ...others] = sessions.map((session) => session.doc)
    for (const doc of others) {
      expect(doc.toJSON()).toEqual(first!.toJSON())
      expect(Y.encodeStateVector(doc)).toEqual(Y.encodeStateVector(first!))
      expect(Y.equalSnapshots(Y.snapshot(doc), Y.snapshot(first!))).toBe(true)
    }
    const name = nameText(first!).toString()
    for (const i of [0, 1, 2]) expect(occurrences(name, `c${i}-`), name).toBe(1)
    expect(name.endsWith('Aria')).toBe(true)
    expect([...tagsOf(first!)].sort()).toEqual(['tag-0', 'tag-1', 'tag-2'])
    const detail = await getElement(server, element.id)
    expect(detail.name).toBe(name)
    expect([...detail.tags].sort()).toEqual(['tag-0', 'tag-1', 'tag-2'])
  })

  it('merges edits made offline when the client reconnects, each exactly once', async () => {
    const server = await useServer()
    const world = await createWorld(server)
    const element = await createElement(server, world.id, { kind: 'character', name: 'Aria' })
    const offline = useClient(server)
    const online = useClient(server)
    const a = offline.open(element.id)
    const b = online.open(element.id)
    await Promise.all([whenSynced(a), whenSynced(b)])

    offline.disconnect()
    await whenStatus(offline, 'disconnected')
    a.doc.transact(() => {
      nameText(a.doc).insert(nameText(a.doc).length, ' (offline)')
      getTags(a.doc).push(['offline-a'])
    })
    expect(a.unsyncedChanges).toBeGreaterThan(0)
    expect(a.synced).toBe(false)
    b.doc.transact(() => {
      nameText(b.doc).insert(0, 'Lady ')
      getTags(b.doc).push(['online-b'])
    })
    await whenSaved(b)

    offline.connect()
    await whenSaved(a)
    await whenDoc(b.doc, 'the offline edit at the other client', (doc) =>
      tagsOf(doc).includes('offline-a'),
    )
    expect(a.doc.toJSON()).toEqual(b.doc.toJSON())
    expect(nameText(a.doc).toString()).toBe('Lady Aria (offline)')
    expect([...tagsOf(a.doc)].sort()).toEqual(['offline-a', 'online-b'])
    const stored = await getElement(server, element.id)
    expect(stored.name).toBe('Lady Aria (offline)')
    expect([...stored.tags].sort()).toEqual(['offline-a', 'online-b'])
  })

  it('keeps every acknowledged update across a server restart on the same DATA_DIR', async () => {
    const dir = await useTempDir()
    const first = await startTestServer({ dataDir: dir.path })
    let firstClosed = false
    const world = await createWorld(first)
    const element = await createElement(first, world.id, { kind: 'location', name: 'Harrow' })
    const writer = useClient(first)
    const session = writer.open(element.id)
    await whenSynced(session)
    // Many small acknowledged updates, not one: each must have been committed on its own.
    for (let i = 0; i < 25; i++) {
      session.doc.transact(() => {
        nameText(session.doc).insert(nameText(session.doc).length, String(i % 10))
        if (i % 5 === 0) getTags(session.doc).push([`t${i}`])
        if (i % 3 === 0) appendParagraph(session.doc, `line ${i}`)
      })
    }
    await whenSaved(session)
    const expected = readContent(session.doc)
    const expectedBody = getBody(session.doc).toString()

    try {
      // What the file holds while the server still runs: acknowledged means already on disk.
      const reader = openSqliteStore({ file: databaseFile(dir.path), synchronous: 'full' })
      const onDisk = rebuildFromStorage((await reader.loadDocument(element.id))!)
      await reader.close()
      expect(readContent(onDisk)).toEqual(expected)

      writer.destroy()
      await first.close()
      firstClosed = true
    } finally {
      if (!firstClosed) await first.close()
    }

    const second = await useServer({ dataDir: dir.path })
    const reader = useClient(second).open(element.id)
    await whenSynced(reader)
    expect(readContent(reader.doc)).toEqual(expected)
    expect(getBody(reader.doc).toString()).toBe(expectedBody)
    expect((await getElement(second, element.id)).name).toBe(expected.name)
  })

  it('loads an unloaded element once for many concurrent joins', async () => {
    const CLIENTS = 6
    const joins = new EventEmitter()
    let joinsAtRegistry = 0
    const gate: { docId?: string } = {}
    let loads: string[] = []
    const server = await useServer({
      store: (dataDir) => {
        const store = openSqliteStore({ file: databaseFile(dataDir), synchronous: 'full' })
        const load = store.loadDocument.bind(store)
        // Held until every join has reached the registry, so all of them find the load in flight.
        vi.spyOn(store, 'loadDocument').mockImplementation(async (docId) => {
          loads.push(docId)
          if (docId === gate.docId) {
            await until(
              `${CLIENTS} joins to reach the registry`,
              () => joinsAtRegistry >= CLIENTS,
              onEvent(joins, 'join'),
            )
          }
          return load(docId)
        })
        return store
      },
    })
    const registry: RoomRegistry = server.app.registry
    const join = registry.join.bind(registry)
    vi.spyOn(registry, 'join').mockImplementation((...args) => {
      joinsAtRegistry++
      joins.emit('join')
      return join(...args)
    })
    const world = await createWorld(server)
    const element = await createElement(server, world.id, { kind: 'item', name: 'Lantern' })
    const clients = Array.from({ length: CLIENTS }, () => useClient(server))
    await Promise.all(clients.map((client) => whenStatus(client, 'connected')))

    gate.docId = element.id
    loads = []
    const sessions = clients.map((client) => client.open(element.id))
    await Promise.all(sessions.map(whenSynced))

    expect(joinsAtRegistry).toBe(CLIENTS)
    expect(loads.filter((id) => id === element.id)).toEqual([element.id])
    for (const session of sessions) expect(nameText(session.doc).toString()).toBe('Lantern')
  })

  describe('refused messages', () => {
    /** A server where offences do not disconnect: each refusal is looked at on its own. */
    const setUp = async () => {
      const server = await useServer({
        abuseLimits: { offencesPerSocket: { points: 10_000, seconds: 60 } },
      })
      const world = await createWorld(server)
      const [a, b, unjoined] = await Promise.all(
        ['Aria', 'Brannock', 'Cael'].map((name) =>
          createElement(server, world.id, { kind: 'character', name }),
        ),
      )
      const socket = await useRawSocket(server)
      for (const element of [a!, b!]) {
        const joined = await rawJoin(socket, element.id)
        expect(joined.ok, JSON.stringify(joined)).toBe(true)
      }
      const store = server.app.store
      /** Every document an update row was appended for, from here on. */
      const appendedFor: string[] = []
      const append = store.appendUpdates.bind(store)
      vi.spyOn(store, 'appendUpdates').mockImplementation((entries) => {
        appendedFor.push(...entries.map((entry) => entry.docId))
        return append(entries)
      })
      /**
       * The element as the API shows it and as storage rebuilds it. (Row counts may shrink when a
       * room unloads and compacts its log; that changes the layout, not the content.)
       */
      const state = async (id: string) => {
        const stored = rebuildFromStorage((await store.loadDocument(id))!)
        return {
          detail: await getElement(server, id),
          stored: stored.toJSON(),
          storedVector: Y.encodeStateVector(stored),
          appended: appendedFor.filter((docId) => docId === id).length,
        }
      }
      return { server, socket, a: a!, b: b!, unjoined: unjoined!, state }
    }

    it('answers each malformed, unjoined or badly typed message with its error and changes nothing', async () => {
      const { server, socket, a, b, unjoined, state } = await setUp()
      const before = { a: await state(a.id), unjoined: await state(unjoined.id) }
      const raw = untyped(socket)
      const ack = (event: string, ...args: unknown[]) =>
        raw.timeout(10_000).emitWithAck(event, ...args)
      const refusal = (code: string) => ({
        ok: false,
        error: { code, message: expect.any(String) },
      })

      // Random bytes that Yjs cannot decode (seeded, so a failure replays).
      const random = new Random(4242)
      let garbage = random.bytes(64)
      for (;;) {
        try {
          Y.decodeUpdate(garbage)
          garbage = random.bytes(64)
        } catch {
          break
        }
      }
      expect(await ack('doc:update', a.id, garbage)).toEqual(refusal('malformed-update'))

      // Badly typed: an id that is a number, a path, SQL; an update that is a string.
      expect(await ack('doc:update', 42, Y.encodeStateAsUpdate(new Y.Doc()))).toEqual(
        refusal('invalid-request'),
      )
      expect(await ack('doc:update', '../../etc/passwd', garbage)).toEqual(
        refusal('invalid-request'),
      )
      expect(await ack('doc:update', "x'); DROP TABLE elements; --", garbage)).toEqual(
        refusal('invalid-request'),
      )
      expect(await ack('doc:update', a.id, 'not an update')).toEqual(refusal('invalid-request'))
      expect(await ack('doc:join', { docId: 42, stateVector: new Uint8Array([0]) })).toEqual(
        refusal('invalid-request'),
      )
      expect(await ack('doc:join', { docId: unjoined.id, stateVector: 'vector' })).toEqual(
        refusal('invalid-request'),
      )
      expect(await ack('doc:join', 'not an object')).toEqual(refusal('invalid-request'))
      expect(
        await ack('doc:join', { docId: unjoined.id, stateVector: new Uint8Array([0xff, 0xff]) }),
      ).toEqual(refusal('malformed-update'))
      expect(await ack('doc:update-chunk', a.id, { transferId: 7, index: 'x' })).toEqual(
        refusal('invalid-request'),
      )

      // Not joined (including the element whose join was just refused).
      const realUpdate = (() => {
        const doc = new Y.Doc()
        getTags(doc).push(['sneaky'])
        return Y.encodeStateAsUpdate(doc)
      })()
      expect(await ack('doc:update', unjoined.id, realUpdate)).toEqual(refusal('not-joined'))
      expect(
        await ack('doc:update-chunk', unjoined.id, {
          transferId: 't1',
          index: 0,
          total: 1,
          data: realUpdate,
        }),
      ).toEqual(refusal('not-joined'))

      // Presence: unjoined (dropped without an answer: presence is ephemeral, and an error could
      // stop the next session of that element), oversized, undecodable. Frames of one socket are
      // handled in order, so the first error seen is the one for the oversized frame.
      const docErrors = recordDocErrors(socket)
      let next = docErrors.next('oversized presence')
      socket.emit('awareness:update', unjoined.id, awarenessFrame(1, 1, {}))
      socket.emit(
        'awareness:update',
        a.id,
        awarenessFrame(1, 1, { blob: 'x'.repeat(MAX_AWARENESS_BYTES) }),
      )
      expect(await next).toEqual({ docId: a.id, error: refusal('too-large').error })
      expect(docErrors.errors.map((e) => e.docId)).toEqual([a.id])
      next = docErrors.next('malformed presence')
      socket.emit('awareness:update', a.id, new Uint8Array([5, 1]))
      expect(await next).toEqual({ docId: a.id, error: refusal('malformed-update').error })

      // No acknowledgement callback at all: refused quietly, and the server carries on.
      raw.emit('doc:update', a.id, garbage)
      raw.emit('doc:update', 42, 'x')
      raw.emit('doc:join', { docId: 'nope' })
      raw.emit('world:subscribe', 'nope')

      // The other element on the same socket still takes updates, which are stored.
      const rowsOfB = await server.app.store.countUpdates(b.id)
      expect((await state(b.id)).appended).toBe(0)
      const edit = new Y.Doc()
      getTags(edit).push(['still-works'])
      expect(await ack('doc:update', b.id, Y.encodeStateAsUpdate(edit))).toEqual({ ok: true })
      expect(socket.connected).toBe(true)
      expect((await getElement(server, b.id)).tags).toEqual(['still-works'])
      expect(await server.app.store.countUpdates(b.id)).toBe(rowsOfB + 1)

      expect(await state(a.id)).toEqual(before.a)
      expect(await state(unjoined.id)).toEqual(before.unjoined)
    })

    it('drops a message over the 1 MB limit (disconnect or too-large) and changes nothing', async () => {
      const { server, socket, a, state } = await setUp()
      const before = await state(a.id)
      const oversized = new Uint8Array(MAX_MESSAGE_BYTES + 1)
      const outcome = await Promise.race([
        whenDisconnected(socket).then((reason) => ({ disconnected: reason })),
        untyped(socket)
          .timeout(20_000)
          .emitWithAck('doc:update', a.id, oversized)
          .then((ack) => ({ ack })),
      ])
      if ('ack' in outcome) {
        expect(outcome.ack).toEqual({
          ok: false,
          error: { code: 'too-large', message: expect.any(String) },
        })
      } else {
        expect(outcome.disconnected).toMatch(/transport (close|error)/)
      }
      // The server is healthy, the element untouched.
      const fresh = await useRawSocket(server)
      expect((await rawJoin(fresh, a.id)).ok).toBe(true)
      expect(await state(a.id)).toEqual(before)
    })
  })

  it('uploads an update larger than one message in chunks, and stores it', async () => {
    const server = await useServer()
    const world = await createWorld(server)
    const element = await createElement(server, world.id, { kind: 'note', name: 'Archive' })
    const chunks: number[] = []
    server.app.io.on('connection', (socket) =>
      socket.onAny((event: string) => {
        if (event === 'doc:update-chunk') chunks.push(1)
      }),
    )
    const client = useClient(server)
    const session = client.open(element.id)
    await whenSynced(session)
    client.disconnect()
    await whenStatus(client, 'disconnected')
    const text = 'lorem ipsum '.repeat(250_000) // 3 MB
    summaryText(session.doc).insert(0, text)
    expect(Y.encodeStateAsUpdate(session.doc).byteLength).toBeGreaterThan(2 * MAX_MESSAGE_BYTES)
    client.connect()
    await whenSaved(session, 60_000)

    expect(chunks.length).toBeGreaterThanOrEqual(6)
    const stored = await server.app.store.loadDocument(element.id)
    expect(summaryText(rebuildFromStorage(stored!)).length).toBe(text.length)
    const other = useClient(server).open(element.id)
    await whenSynced(other)
    expect(summaryText(other.doc).toString()).toBe(text)
  })

  it('relays presence, refuses presence forged for another socket, and removes it on disconnect', async () => {
    const server = await useServer()
    const world = await createWorld(server)
    const element = await createElement(server, world.id, { kind: 'faction', name: 'Wardens' })
    // The forger is another person, a member of the world: the socket, not the role, is the limit.
    const forger = await registerUser(server.url)
    await addMember(server, world.id, forger.username, 'editor')

    const clientA = useClient(server)
    const a = clientA.open(element.id)
    const b = useClient(server).open(element.id)
    await Promise.all([whenSynced(a), whenSynced(b)])
    const victim = a.doc.clientID
    const seenByB = () => b.awareness.getStates().get(victim)
    const awarenessAtB = (what: string, condition: () => boolean) =>
      until(what, condition, onEvent(b.awareness, 'change'))

    a.awareness.setLocalStateField('cursor', { anchor: 1 })
    await awarenessAtB("A's caret at B", () => seenByB()?.cursor?.anchor === 1)
    // Who someone appears to be comes from their session, not from what their client says.
    expect(seenByB()?.user?.id).toBe(server.user.id)

    const socket = await useRawSocket({ url: server.url, token: forger.token })
    expect((await rawJoin(socket, element.id)).ok).toBe(true)
    const forgerId = 987_654
    // A newer clock than A's: only the ownership check can stop it.
    socket.emit(
      'awareness:update',
      element.id,
      awarenessFrame(victim, 1_000_000, { cursor: { anchor: 999 } }),
    )
    // Sent after the forgery on the same socket: once it arrives, the forgery has been handled.
    socket.emit(
      'awareness:update',
      element.id,
      awarenessFrame(forgerId, 1, { cursor: { anchor: 5 } }),
    )
    await awarenessAtB("the forger's own caret at B", () => b.awareness.getStates().has(forgerId))
    expect(seenByB()?.cursor).toEqual({ anchor: 1 })
    expect(seenByB()?.user?.id).toBe(server.user.id)
    expect(b.awareness.getStates().get(forgerId)?.user?.id).toBe(forger.user.id)
    const room = server.app.registry.get(element.id)
    expect(room?.awareness.getStates().get(victim)?.cursor).toEqual({ anchor: 1 })

    socket.disconnect()
    await awarenessAtB("the forger's caret removed", () => !b.awareness.getStates().has(forgerId))
    clientA.disconnect()
    await awarenessAtB("A's caret removed", () => seenByB() === undefined)
    expect(room?.awareness.getStates().has(victim)).toBe(false)
    expect([...b.awareness.getStates().keys()]).toEqual([b.doc.clientID])
  })

  it('keeps syncing a session whose presence the server refused', async () => {
    const server = await useServer()
    const world = await createWorld(server)
    const element = await createElement(server, world.id, { kind: 'event', name: 'The Flood' })
    const a = useClient(server).open(element.id)
    const b = useClient(server).open(element.id)
    await Promise.all([whenSynced(a), whenSynced(b)])

    // A state over the per-entry limit: the server answers doc:error too-large for presence only.
    a.awareness.setLocalStateField('selection', 'x'.repeat(MAX_AWARENESS_STATE_BYTES + 1))
    await until(
      'the presence refusal',
      () => a.state.error?.code === 'too-large',
      onEvent(a, 'state'),
    )
    getTags(a.doc).push(['after-refusal'])
    await whenDoc(b.doc, 'the edit made after the refusal', (doc) =>
      tagsOf(doc).includes('after-refusal'),
    )
    await whenSaved(a)
    expect((await getElement(server, element.id)).tags).toEqual(['after-refusal'])
  })

  describe('world subscribers', () => {
    it('hear of renames, creations and deletions; joined sessions learn of the deletion', async () => {
      const server = await useServer()
      const world = await createWorld(server)
      const element = await createElement(server, world.id, { kind: 'character', name: 'Aria' })
      const subscriber = watchWorld(useClient(server), world.id)
      await subscriber.when('the initial index', () => subscriber.seen.reset.length > 0)
      expect(subscriber.seen.reset[0]!.map((e) => e.id)).toEqual([element.id])

      const editor = useClient(server).open(element.id)
      await whenSynced(editor)
      editor.doc.transact(() => {
        const name = nameText(editor.doc)
        name.delete(0, name.length)
        name.insert(0, 'Aria the Bold')
      })
      await subscriber.when('the rename', () =>
        subscriber.seen.updated.some((e) => e.id === element.id && e.name === 'Aria the Bold'),
      )
      const index = await listElements(server, world.id)
      expect(index.find((e) => e.id === element.id)?.name).toBe('Aria the Bold')

      const created = await createElement(server, world.id, { kind: 'location', name: 'Harrow' })
      await subscriber.when('the creation', () =>
        subscriber.seen.created.some((e) => e.id === created.id),
      )
      expect(subscriber.seen.created.find((e) => e.id === created.id)).toEqual(created)

      const deleted = await request(server, 'DELETE', `/api/elements/${element.id}`)
      expect(deleted.status).toBe(204)
      await subscriber.when('the deletion', () =>
        subscriber.seen.deleted.some((e) => e.id === element.id),
      )
      expect(subscriber.seen.deleted).toEqual([{ id: element.id, worldId: world.id }])
      await until(
        'the open session to hear of the deletion',
        () => editor.state.error?.code === 'not-found',
        onEvent(editor, 'state'),
      )
      expect((await listElements(server, world.id)).map((e) => e.id)).toEqual([created.id])
    })
  })

  describe('element presence', () => {
    it('tells world subscribers who has which element open, and when they leave', async () => {
      const server = await useServer()
      const world = await createWorld(server)
      const element = await createElement(server, world.id, { kind: 'character', name: 'Aria' })
      const subscriber = watchWorld(useClient(server), world.id)
      await subscriber.when('the initial index', () => subscriber.seen.reset.length > 0)
      expect(subscriber.seen.presenceAtReset[0]).toEqual([])

      const editor = useClient(server)
      const session = editor.open(element.id)
      await whenSynced(session)
      const me = { id: server.user.id, name: server.user.username, color: server.user.color }
      await subscriber.when('presence of the editor', () =>
        subscriber.seen.presence.some((p) => p.id === element.id && p.users.length === 1),
      )
      expect(subscriber.seen.presence.at(-1)).toEqual({
        id: element.id,
        worldId: world.id,
        users: [me],
      })

      // A second tab of the same person is still one person.
      const secondTab = useClient(server).open(element.id)
      await whenSynced(secondTab)
      const late = watchWorld(useClient(server), world.id)
      await late.when('the index with presence', () => late.seen.reset.length > 0)
      expect(late.seen.presenceAtReset[0]).toEqual([
        { id: element.id, worldId: world.id, users: [me] },
      ])

      session.destroy()
      secondTab.destroy()
      await subscriber.when('the element to be empty again', () => {
        const last = subscriber.seen.presence.filter((p) => p.id === element.id).at(-1)
        return last !== undefined && last.users.length === 0
      })
    })
  })

  describe('HTTP API', () => {
    const expectError = (
      response: { status: number; body: unknown },
      status: number,
      code: string,
    ): void => {
      expect(response.status).toBe(status)
      expect(response.body).toEqual({ error: { code, message: expect.any(String) } })
      const { error } = response.body as { error: ErrorPayload }
      expect(ERROR_CODES).toContain(error.code)
      expect(error.message.length).toBeGreaterThan(0)
    }

    it('creates, lists, reads and deletes worlds and elements (201/200/204)', async () => {
      const server = await useServer()
      const created = await request(server, 'POST', '/api/worlds', { name: 'Aster' })
      expect(created.status).toBe(201)
      const world = created.body as { id: string; name: string; createdAt: string }
      expect(world).toEqual(expect.objectContaining({ name: 'Aster', id: expect.any(String) }))
      expect((await request(server, 'GET', '/api/worlds')).status).toBe(200)
      expect((await request(server, 'GET', `/api/worlds/${world.id}`)).body).toEqual(
        expect.objectContaining({ id: world.id, name: 'Aster' }),
      )

      const made = await request(server, 'POST', `/api/worlds/${world.id}/elements`, {
        kind: 'character',
        name: 'Aria',
      })
      expect(made.status).toBe(201)
      const element = made.body as ElementSummary
      expect(element).toEqual({
        id: expect.any(String),
        worldId: world.id,
        kind: 'character',
        name: 'Aria',
        summary: '',
        updatedAt: expect.any(String),
      })
      const list = await request(server, 'GET', `/api/worlds/${world.id}/elements`)
      expect(list).toEqual({ status: 200, body: [element] })
      const detail = await request(server, 'GET', `/api/elements/${element.id}`)
      expect(detail.status).toBe(200)
      expect(detail.body).toEqual(
        expect.objectContaining({
          id: element.id,
          fields: { kind: 'character', name: 'Aria', summary: '' },
          attributes: {},
          tags: [],
          body: { type: 'doc', content: [{ type: 'paragraph' }] },
        }),
      )
      const removed = await request(server, 'DELETE', `/api/elements/${element.id}`)
      expect(removed).toEqual({ status: 204, body: undefined })
      expect((await request(server, 'GET', `/api/worlds/${world.id}/elements`)).body).toEqual([])
    })

    it('refuses bad bodies, malformed ids and unknown ids with {error: {code, message}}', async () => {
      const server = await useServer()
      const world = await createWorld(server)
      const elements = `/api/worlds/${world.id}/elements`
      expectError(
        await request(server, 'POST', elements, { kind: 'character' }),
        400,
        'invalid-request',
      )
      expectError(
        await request(server, 'POST', elements, { kind: 'dragon', name: 'Smaug' }),
        400,
        'invalid-request',
      )
      expectError(
        await request(server, 'POST', elements, { kind: 'item', name: 'Cup', extra: true }),
        400,
        'invalid-request',
      )
      expectError(
        await request(server, 'POST', elements, '{"kind": "item", name'),
        400,
        'invalid-request',
      )
      expectError(await request(server, 'POST', '/api/worlds', {}), 400, 'invalid-request')
      expectError(
        await request(server, 'POST', '/api/worlds', { name: '   ' }),
        400,
        'invalid-request',
      )

      for (const path of [
        '/api/worlds/not-a-uuid',
        '/api/worlds/42/elements',
        '/api/elements/..%2F..%2Fetc%2Fpasswd',
        `/api/elements/${encodeURIComponent("1' OR '1'='1")}`,
      ]) {
        expectError(await request(server, 'GET', path), 400, 'invalid-request')
      }
      expectError(await request(server, 'DELETE', '/api/elements/123'), 400, 'invalid-request')

      // Unknown ids: to a caller who is not a member, a world or element that does not exist and
      // one that does look the same (403), so ids cannot be probed. Unknown routes are 404.
      const unknown = '7d5b1a8e-2c4f-4a3b-9e1d-0f6a2b3c4d5e'
      expectError(await request(server, 'GET', `/api/worlds/${unknown}`), 403, 'forbidden')
      expectError(await request(server, 'GET', `/api/elements/${unknown}`), 403, 'forbidden')
      expectError(await request(server, 'DELETE', `/api/elements/${unknown}`), 403, 'forbidden')
      expectError(await request(server, 'GET', '/api/nothing-here'), 404, 'not-found')
      // Nothing above created anything.
      expect(await listElements(server, world.id)).toEqual([])
    })
  })
})
