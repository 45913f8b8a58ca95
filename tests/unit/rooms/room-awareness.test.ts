import { afterEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness'
import { Room } from '../../../server/rooms/room.ts'

const identity = { id: 'u1', name: 'Ada', color: '#61afef' }

/** A snapshot holding some text, as storage would hand it to a room. */
const storedText = (text: string) => {
  const doc = new Y.Doc()
  doc.getText('body').insert(0, text)
  return { snapshot: Y.encodeStateAsUpdate(doc), updates: [], lastSeq: 1 }
}

/** An awareness frame from a client whose state carries the session's identity. */
const presenceOf = (clientDoc: Y.Doc): Uint8Array => {
  const awareness = new Awareness(clientDoc)
  awareness.setLocalState({ user: identity, cursor: 1 })
  const frame = encodeAwarenessUpdate(awareness, [clientDoc.clientID])
  awareness.destroy()
  return frame
}

describe('Room awareness and lazy document', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('answers a client with nothing from the snapshot, holds presence, and unloads cleanly', () => {
    const stored = storedText('hello')
    const room = new Room('d1', 'w1', stored)
    room.addMember('s1', 'u1')
    const answer = room.joinAnswer(Y.encodeStateVector(new Y.Doc()))
    expect(answer.update).toBe(stored.snapshot)
    const client = new Y.Doc()
    expect(room.applyClientAwareness('s1', presenceOf(client), identity)).not.toBeNull()
    expect(room.awareness.getStates().get(client.clientID)).toMatchObject({ cursor: 1 })
    // The server itself never appears as a participant.
    expect([...room.awareness.getStates().keys()]).toEqual([client.clientID])
    expect(room.removeMember('s1')).not.toBeNull()
    expect(room.awareness.getStates().size).toBe(0)
    expect(room.destroyed).toBe(false)
    room.destroy()
    expect(room.destroyed).toBe(true)
    // Whatever still asks for the document after the unload gets a destroyed, empty one.
    expect(room.doc.isDestroyed).toBe(true)
  })

  it('builds the document with what storage held on first use', () => {
    const room = new Room('d1', 'w1', storedText('hello'))
    expect(room.doc.getText('body').toString()).toBe('hello')
    room.destroy()
  })

  it('drops presence its client stopped renewing, with one timer for all rooms', () => {
    vi.useFakeTimers()
    const rooms = [new Room('d1', 'w1', storedText('a')), new Room('d2', 'w1', storedText('b'))]
    // One shared sweeper, not one interval per room.
    expect(vi.getTimerCount()).toBe(1)
    const clients = rooms.map(() => new Y.Doc())
    const origins: unknown[] = []
    rooms.forEach((room, index) => {
      room.addMember('s1', 'u1')
      room.applyClientAwareness('s1', presenceOf(clients[index]!), identity)
      room.awareness.on('update', (_change: unknown, origin: unknown) => origins.push(origin))
    })
    // lib0 reads the clock through its own reference to Date.now, which fake timers do not
    // replace: age the first room's state by hand, as 31 s without a renewal would.
    const meta = rooms[0]!.awareness.meta.get(clients[0]!.clientID)
    if (!meta) throw new Error('the client state has no meta')
    meta.lastUpdated -= 31_000
    vi.advanceTimersByTime(3_000)
    expect(rooms[0]!.awareness.getStates().size).toBe(0)
    expect(rooms[1]!.awareness.getStates().size).toBe(1)
    expect(origins).toContain('timeout')
    for (const room of rooms) room.destroy()
    // The timer stops with the last room.
    expect(vi.getTimerCount()).toBe(0)
  })
})
