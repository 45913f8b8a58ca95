import { afterEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness'
import { docRoom } from '../../../shared/protocol.ts'
import { Room } from '../../../server/rooms/room.ts'
import { SmallMap } from '../../../server/rooms/small-map.ts'

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

  it('keeps the session identity object itself as the user of every state it stamped', () => {
    const session = Object.freeze({ ...identity })
    const rooms = [new Room('d1', 'w1', storedText('a')), new Room('d2', 'w1', storedText('b'))]
    const clients = rooms.map(() => new Y.Doc())
    rooms.forEach((room, index) => {
      room.addMember('s1', 'u1')
      room.applyClientAwareness('s1', presenceOf(clients[index]!), session)
    })
    // One object for the person's states in every room, not a parsed copy per state.
    const users = rooms.map((room, index) =>
      room.awareness.getStates().get(clients[index]!.clientID),
    )
    expect(users.map((state) => state?.user)).toEqual([session, session])
    expect(users[0]?.user).toBe(session)
    expect(users[1]?.user).toBe(session)
    // What the room sends joiners is what it would have sent with the parsed copy.
    const expected = new Awareness(clients[0]!)
    expected.setLocalState({ user: { ...identity }, cursor: 1 })
    expect(rooms[0]!.encodeAwareness()).toEqual(
      encodeAwarenessUpdate(expected, [clients[0]!.clientID]),
    )
    expected.destroy()
    for (const room of rooms) room.destroy()
  })

  it('stamps a foreign identity and shares the session one; other key orders are left as sent', () => {
    const session = Object.freeze({ ...identity })
    const room = new Room('d1', 'w1', storedText('a'))
    room.addMember('s1', 'u1')
    const frameWith = (clientDoc: Y.Doc, user: Record<string, unknown>): Uint8Array => {
      const awareness = new Awareness(clientDoc)
      awareness.setLocalState({ user, cursor: 2 })
      const frame = encodeAwarenessUpdate(awareness, [clientDoc.clientID])
      awareness.destroy()
      return frame
    }
    const forger = new Y.Doc()
    room.applyClientAwareness(
      's1',
      frameWith(forger, { id: 'u2', name: 'Eve', color: '#000' }),
      session,
    )
    expect(room.awareness.getStates().get(forger.clientID)?.user).toBe(session)
    // Same identity, fields in another order: relayed and kept as it came, so it encodes the same.
    const reordered = new Y.Doc()
    const user = { color: identity.color, name: identity.name, id: identity.id }
    const frame = frameWith(reordered, user)
    expect(room.applyClientAwareness('s1', frame, session)?.update).toBe(frame)
    const held = room.awareness.getStates().get(reordered.clientID)?.user
    expect(held).toEqual(session)
    expect(held).not.toBe(session)
    room.destroy()
  })

  it('builds the document with what storage held on first use', () => {
    const room = new Room('d1', 'w1', storedText('hello'))
    expect(room.doc.getText('body').toString()).toBe('hello')
    room.destroy()
  })

  it('answers from the snapshot only when storage held nothing else, and applies the log rows', () => {
    const writer = new Y.Doc()
    writer.getText('body').insert(0, 'hello')
    const snapshot = Y.encodeStateAsUpdate(writer)
    const vector = Y.encodeStateVector(writer)
    writer.getText('body').insert(5, ' world')
    const row = Y.encodeStateAsUpdate(writer, vector)
    const room = new Room('d1', 'w1', { snapshot, updates: [row], lastSeq: 2 })
    const empty = Y.encodeStateVector(new Y.Doc())
    const answer = room.joinAnswer(empty)
    // With log rows the answer is a diff of the whole document, not the snapshot.
    expect(answer.update).not.toBe(snapshot)
    const reader = new Y.Doc()
    Y.applyUpdate(reader, answer.update)
    expect(reader.getText('body').toString()).toBe('hello world')
    expect(room.doc.getText('body').toString()).toBe('hello world')
    room.destroy()
    // Nothing stored at all: an empty document, answered by a diff as well.
    const blank = new Room('d2', 'w1', { snapshot: null, updates: [], lastSeq: 0 })
    expect(blank.joinAnswer(empty).update).toEqual(Y.encodeStateAsUpdate(new Y.Doc()))
    expect(blank.doc.getText('body').toString()).toBe('')
    blank.destroy()
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

  it('creates an awareness observer table only for a room something subscribes to', () => {
    const rooms = [new Room('d1', 'w1', storedText('a')), new Room('d2', 'w1', storedText('b'))]
    const [first, second] = rooms.map((room) => room.awareness)
    // Nothing subscribed: both share one empty table, which nothing writes to.
    expect(first!._observers).toBe(second!._observers)
    expect(first!._observers.size).toBe(0)
    const changes: unknown[] = []
    first!.on('change', (change: unknown) => changes.push(change))
    let once = 0
    second!.once('update', () => once++)
    expect(first!._observers).not.toBe(second!._observers)
    const client = new Y.Doc()
    for (const room of rooms) {
      room.addMember('s1', 'u1')
      room.applyClientAwareness('s1', presenceOf(client), identity)
    }
    expect(changes).toEqual([{ added: [client.clientID], updated: [], removed: [] }])
    expect(once).toBe(1)
    // A third room still starts without a table of its own; the shared one stayed empty.
    const third = new Room('d3', 'w1', storedText('c'))
    expect(third.awareness._observers.size).toBe(0)
    expect(third.awareness._observers).not.toBe(first!._observers)
    for (const room of [...rooms, third]) room.destroy()
  })

  it('keeps presence in small maps, without a state or clock of the server its own', () => {
    const rooms = [new Room('d1', 'w1', storedText('a')), new Room('d2', 'w1', storedText('b'))]
    const { awareness } = rooms[0]!
    expect(awareness.states).toBeInstanceOf(SmallMap)
    expect(awareness.meta).toBeInstanceOf(SmallMap)
    expect(awareness.meta.size).toBe(0)
    expect(awareness.getLocalState()).toBeNull()
    // One server client id for every room, small enough to be held without a heap number.
    expect(rooms[1]!.awareness.clientID).toBe(awareness.clientID)
    expect(awareness.clientID).toBeLessThan(2 ** 30)
    // Several people: the maps grow past one entry and answer as before.
    const clients = [new Y.Doc(), new Y.Doc(), new Y.Doc()]
    clients.forEach((client, index) => {
      rooms[0]!.addMember(`s${index}`, `u${index}`)
      rooms[0]!.applyClientAwareness(`s${index}`, presenceOf(client), identity)
    })
    expect([...awareness.getStates().keys()]).toEqual(clients.map((client) => client.clientID))
    expect(rooms[0]!.removeMember('s1')).not.toBeNull()
    expect([...awareness.getStates().keys()]).toEqual([clients[0]!.clientID, clients[2]!.clientID])
    for (const room of rooms) room.destroy()
  })

  it('names its broadcast group once, as the wire contract does', () => {
    const room = new Room('4b1c7a52-0d7e-4a53-9e43-3f4f3c1f1b20', 'w1', storedText('a'))
    expect(room.broadcastGroup).toBe(docRoom(room.docId))
    room.destroy()
  })
})
