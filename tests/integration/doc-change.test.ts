/**
 * `doc:change`: an edit and the caret that moved with it travel as one message each way. Real
 * server on 127.0.0.1 (SQLite in a temp dir), real CollabClients and bare sockets; every wait
 * resolves on an event.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { addMember, createElement, createWorld } from '../helpers/api-client.ts'
import { awarenessFrame } from '../helpers/awareness-frames.ts'
import { registerUser } from '../helpers/auth.ts'
import { onEvent, until } from '../helpers/events.ts'
import type { RawSocket } from '../helpers/raw-socket.ts'
import {
  nameText,
  rebuildFromStorage,
  useClient,
  useRawSocket,
  useServer,
  whenSaved,
  whenSynced,
} from '../helpers/sync-fixtures.ts'

/** Every server event a socket receives, by name, in order. */
const recordEvents = (socket: RawSocket): string[] => {
  const names: string[] = []
  socket.onAny((name: string) => names.push(name))
  return names
}

const joinRaw = async (socket: RawSocket, docId: string): Promise<Y.Doc> => {
  const doc = new Y.Doc()
  const answer = await socket
    .timeout(10_000)
    .emitWithAck('doc:join', { docId, stateVector: Y.encodeStateVector(doc) })
  if (!answer.ok) throw new Error(`join refused: ${answer.error.message}`)
  Y.applyUpdate(doc, new Uint8Array(answer.update))
  return doc
}

/** What `edit` does to `doc`'s name, as an update. */
const changeOf = (doc: Y.Doc, edit: (text: Y.Text) => void): Uint8Array => {
  const before = Y.encodeStateVector(doc)
  edit(nameText(doc))
  return Y.encodeStateAsUpdate(doc, before)
}

/** A server with one element, and bare sockets of its owner and of a viewer of its world. */
const ownerAndViewer = async (kind: 'faction' | 'item', name: string) => {
  const server = await useServer()
  const world = await createWorld(server)
  const element = await createElement(server, world.id, { kind, name })
  const viewer = await registerUser(server.url)
  await addMember(server, world.id, viewer.username, 'viewer')
  const writerSocket = await useRawSocket(server)
  const viewerSocket = await useRawSocket({ url: server.url, token: viewer.token })
  return { server, element, viewer, writerSocket, viewerSocket }
}

describe('doc:change', () => {
  it('sends an edit and its caret as one message and relays them as one', async () => {
    const server = await useServer()
    const world = await createWorld(server)
    const element = await createElement(server, world.id, { kind: 'character', name: 'Ada' })
    const writer = useClient(server)
    const session = writer.open(element.id)
    await whenSynced(session)
    const watcher = await useRawSocket(server)
    await joinRaw(watcher, element.id)
    const received = recordEvents(watcher)
    const sent: string[] = []
    writer.socket.onAnyOutgoing((name: string) => sent.push(name))
    const change = new Promise<[Uint8Array, Uint8Array]>((resolve) =>
      watcher.once('doc:change', (_docId, update, awareness) =>
        resolve([new Uint8Array(update), new Uint8Array(awareness)]),
      ),
    )

    // One task: the edit, then the caret, as an editor does it.
    nameText(session.doc).insert(3, ' Lovelace')
    session.awareness.setLocalStateField('cursor', { anchor: 12 })
    const [update, awareness] = await change
    await whenSaved(session)

    expect(sent).toEqual(['doc:change'])
    expect(received).toEqual(['doc:change'])
    expect(update.byteLength).toBeGreaterThan(0)
    expect(new TextDecoder().decode(awareness)).toContain('"anchor":12')
    const stored = await server.app.store.loadDocument(element.id)
    expect(nameText(rebuildFromStorage(stored!)).toString()).toBe('Ada Lovelace')
    // The indexed fields are read after the relay; they still travel with the update's row.
    expect((await server.app.store.getElement(element.id))?.name).toBe('Ada Lovelace')
  })

  it('holds the caret of every change in the room, its edit accepted or refused', async () => {
    const { server, element, writerSocket, viewerSocket } = await ownerAndViewer('faction', 'Guild')
    const writerDoc = await joinRaw(writerSocket, element.id)
    const viewerDoc = await joinRaw(viewerSocket, element.id)

    // Accepted: the writer's edit and caret. Refused: the viewer's edit (read-only) and an
    // undecodable update of the writer's; their carets still count.
    const caret = (doc: Y.Doc, clock: number, anchor: number): Uint8Array =>
      awarenessFrame(doc.clientID, clock, { cursor: { anchor } })
    const accepted = await writerSocket.timeout(10_000).emitWithAck(
      'doc:change',
      element.id,
      changeOf(writerDoc, (t) => t.insert(5, 's')),
      caret(writerDoc, 1, 6),
    )
    expect(accepted).toEqual({ ok: true })
    const readOnly = await viewerSocket.timeout(10_000).emitWithAck(
      'doc:change',
      element.id,
      changeOf(viewerDoc, (t) => t.insert(0, 'x')),
      caret(viewerDoc, 1, 1),
    )
    expect(readOnly.ok).toBe(false)
    const malformed = await writerSocket
      .timeout(10_000)
      .emitWithAck('doc:change', element.id, new Uint8Array([1, 2, 3]), caret(writerDoc, 2, 2))
    expect(malformed.ok).toBe(false)

    // A client joining now gets the newest caret of each from the room.
    const late = useClient(server).open(element.id)
    await whenSynced(late)
    const states = late.awareness.getStates()
    expect(states.get(writerDoc.clientID)?.cursor).toEqual({ anchor: 2 })
    expect(states.get(viewerDoc.clientID)?.cursor).toEqual({ anchor: 1 })
    expect(nameText(late.doc).toString()).toBe('Guilds')
  })

  it('delivers both halves to a CollabClient, merging several edits of one task', async () => {
    const server = await useServer()
    const world = await createWorld(server)
    const element = await createElement(server, world.id, { kind: 'location', name: 'Keep' })
    const a = useClient(server).open(element.id)
    const b = useClient(server).open(element.id)
    await Promise.all([whenSynced(a), whenSynced(b)])

    nameText(a.doc).insert(4, ' of')
    nameText(a.doc).insert(7, ' Winds')
    a.awareness.setLocalStateField('cursor', { anchor: 10 })
    expect(a.unsyncedChanges).toBe(2)
    await until(
      "A's edits and caret at B",
      () =>
        nameText(b.doc).toString() === 'Keep of Winds' &&
        b.awareness.getStates().get(a.doc.clientID)?.cursor?.anchor === 10,
      (check) => {
        const offDoc = onEvent(b.doc, 'update')(check)
        const offAwareness = onEvent(b.awareness, 'change')(check)
        return () => {
          offDoc()
          offAwareness()
        }
      },
    )
    await whenSaved(a)
    expect(a.unsyncedChanges).toBe(0)
  })

  it('handles each half on its own: bad presence keeps the update, a refused update keeps the presence', async () => {
    const { server, element, viewer, writerSocket, viewerSocket } = await ownerAndViewer(
      'item',
      'Lamp',
    )
    const watcher = await useRawSocket(server)
    const doc = await joinRaw(writerSocket, element.id)
    const viewerDoc = await joinRaw(viewerSocket, element.id)
    await joinRaw(watcher, element.id)

    // An undecodable awareness half: doc:error for the presence, the update still stored and acked.
    const update = changeOf(doc, (text) => text.insert(4, '!'))
    const presenceError = new Promise((resolve) =>
      writerSocket.once('doc:error', (_docId, error) => resolve(error.code)),
    )
    const relayedUpdate = new Promise((resolve) => watcher.once('doc:update', () => resolve(true)))
    const ack = await writerSocket
      .timeout(10_000)
      .emitWithAck('doc:change', element.id, update, new Uint8Array([5, 1]))
    expect(ack).toEqual({ ok: true })
    expect(await presenceError).toBe('malformed-update')
    expect(await relayedUpdate).toBe(true)

    // A viewer's change: the update is refused, the caret still reaches the others.
    const relayedCaret = new Promise<string>((resolve) =>
      watcher.once('awareness:update', (_docId, frame) =>
        resolve(new TextDecoder().decode(new Uint8Array(frame))),
      ),
    )
    const refused = await viewerSocket.timeout(10_000).emitWithAck(
      'doc:change',
      element.id,
      changeOf(viewerDoc, (text) => text.insert(0, 'x')),
      awarenessFrame(viewerDoc.clientID, 1, { cursor: { anchor: 0 } }),
    )
    expect(refused.ok).toBe(false)
    if (!refused.ok) expect(refused.error.code).toBe('read-only')
    expect(await relayedCaret).toContain(viewer.user.id)

    const stored = await server.app.store.loadDocument(element.id)
    expect(nameText(rebuildFromStorage(stored!)).toString()).toBe('Lamp!')
  })

  it('refuses a change for an element the socket has not joined', async () => {
    const server = await useServer()
    const world = await createWorld(server)
    const element = await createElement(server, world.id, { kind: 'event', name: 'Flood' })
    const socket = await useRawSocket(server)
    const result = await socket
      .timeout(10_000)
      .emitWithAck('doc:change', element.id, new Uint8Array([0, 0]), awarenessFrame(1, 1, {}))
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.error.code).toBe('not-joined')
  })
})
