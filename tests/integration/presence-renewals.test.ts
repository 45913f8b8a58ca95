/**
 * Presence renewals (a state sent again unchanged, as y-protocols does every 15 s) are relayed in
 * batches: one frame per room after a delay, to every member. Changes are relayed at once and
 * supersede a held renewal; a client that left is not brought back by a batch. Real server on
 * 127.0.0.1, bare sockets; every wait resolves on an event.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import * as decoding from 'lib0/decoding'
import { createElement, createWorld } from '../helpers/api-client.ts'
import { awarenessFrame } from '../helpers/awareness-frames.ts'
import type { RawSocket } from '../helpers/raw-socket.ts'
import { useRawSocket, useServer } from '../helpers/sync-fixtures.ts'

const A = 1001
const B = 1002
/** A second presence of A's socket (another replica of the same person in the same tab). */
const A2 = 1003

interface Entry {
  readonly clientId: number
  readonly clock: number
  readonly state: unknown
}

const entriesOf = (frame: Uint8Array): Entry[] => {
  const decoder = decoding.createDecoder(frame)
  const count = decoding.readVarUint(decoder)
  return Array.from({ length: count }, () => ({
    clientId: decoding.readVarUint(decoder),
    clock: decoding.readVarUint(decoder),
    state: JSON.parse(decoding.readVarString(decoder)) as unknown,
  }))
}

/** The entries of the next awareness frame `socket` receives. */
const nextFrame = (socket: RawSocket): Promise<Entry[]> =>
  new Promise((resolve) =>
    socket.once('awareness:update', (_docId, frame) => resolve(entriesOf(new Uint8Array(frame)))),
  )

const join = async (socket: RawSocket, docId: string): Promise<void> => {
  const answer = await socket
    .timeout(10_000)
    .emitWithAck('doc:join', { docId, stateVector: Y.encodeStateVector(new Y.Doc()) })
  if (!answer.ok) throw new Error(`join refused: ${answer.error.message}`)
}

/** A room with two presences (A and B, each from its own socket) and a watcher that saw both. */
const setUp = async () => {
  const server = await useServer({ renewalDelayMs: 100 })
  const world = await createWorld(server)
  const { id: docId } = await createElement(server, world.id, { kind: 'location', name: 'Harbor' })
  const [a, b, watcher] = await Promise.all([1, 2, 3].map(() => useRawSocket(server)))
  for (const socket of [a!, b!, watcher!]) await join(socket, docId)
  const announce = async (socket: RawSocket, clientId: number, clock: number, cursor: number) => {
    const seen = nextFrame(watcher!)
    socket.emit('awareness:update', docId, awarenessFrame(clientId, clock, { cursor }))
    return seen
  }
  expect((await announce(a!, A, 1, 5)).map((entry) => entry.clientId)).toEqual([A])
  expect((await announce(b!, B, 1, 9)).map((entry) => entry.clientId)).toEqual([B])
  return { docId, a: a!, b: b!, watcher: watcher!, announce }
}

const summary = (entries: Entry[]) => entries.map(({ clientId, clock }) => [clientId, clock])

describe('presence renewals', () => {
  it('reach everyone in the room as one frame, a change at once', async () => {
    const { docId, a, b, watcher, announce } = await setUp()
    const atWatcher = nextFrame(watcher)
    const atA = nextFrame(a)
    a.emit('awareness:update', docId, awarenessFrame(A, 2, { cursor: 5 }))
    b.emit('awareness:update', docId, awarenessFrame(B, 2, { cursor: 9 }))
    // Relayed one by one, the watcher's next frame would hold A alone.
    const batch = await atWatcher
    expect(summary(batch)).toEqual([
      [A, 2],
      [B, 2],
    ])
    expect(batch[0]?.state).toMatchObject({ cursor: 5 })
    // The renewer gets the batch too, its own entry included (y-protocols ignores a seen clock).
    expect(summary(await atA)).toEqual([
      [A, 2],
      [B, 2],
    ])
    // A caret that moved is not held.
    expect(summary(await announce(a, A, 3, 6))).toEqual([[A, 3]])
  })

  it('drops a held renewal that a change superseded', async () => {
    const { docId, a, b, watcher, announce } = await setUp()
    a.emit('awareness:update', docId, awarenessFrame(A, 2, { cursor: 5 }))
    expect(summary(await announce(a, A, 3, 7))).toEqual([[A, 3]])
    const batch = nextFrame(watcher)
    b.emit('awareness:update', docId, awarenessFrame(B, 2, { cursor: 9 }))
    expect(summary(await batch)).toEqual([[B, 2]])
  })

  it('does not bring back someone who left', async () => {
    const { docId, a, b, watcher, announce } = await setUp()
    a.emit('awareness:update', docId, awarenessFrame(A, 2, { cursor: 5 }))
    // A's frames are handled in order: once its next one is relayed, the renewal is held.
    expect(summary(await announce(a, A2, 1, 1))).toEqual([[A2, 1]])
    const removal = nextFrame(watcher)
    a.emit('doc:leave', docId)
    expect(summary(await removal)).toEqual([
      [A, 2],
      [A2, 1],
    ])
    const batch = nextFrame(watcher)
    b.emit('awareness:update', docId, awarenessFrame(B, 2, { cursor: 9 }))
    expect(summary(await batch)).toEqual([[B, 2]])
  })
})
