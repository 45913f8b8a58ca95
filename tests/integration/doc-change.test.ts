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
    const server = await useServer()
    const world = await createWorld(server)
    const element = await createElement(server, world.id, { kind: 'item', name: 'Lamp' })
    const viewer = await registerUser(server.url)
    await addMember(server, world.id, viewer.username, 'viewer')
    const writerSocket = await useRawSocket(server)
    const viewerSocket = await useRawSocket({ url: server.url, token: viewer.token })
    const watcher = await useRawSocket(server)
    const doc = await joinRaw(writerSocket, element.id)
    const viewerDoc = await joinRaw(viewerSocket, element.id)
    await joinRaw(watcher, element.id)

    // An undecodable awareness half: doc:error for the presence, the update still stored and acked.
    const before = Y.encodeStateVector(doc)
    nameText(doc).insert(4, '!')
    const update = Y.encodeStateAsUpdate(doc, before)
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
    const viewerBefore = Y.encodeStateVector(viewerDoc)
    nameText(viewerDoc).insert(0, 'x')
    const relayedCaret = new Promise<string>((resolve) =>
      watcher.once('awareness:update', (_docId, frame) =>
        resolve(new TextDecoder().decode(new Uint8Array(frame))),
      ),
    )
    const refused = await viewerSocket
      .timeout(10_000)
      .emitWithAck(
        'doc:change',
        element.id,
        Y.encodeStateAsUpdate(viewerDoc, viewerBefore),
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
