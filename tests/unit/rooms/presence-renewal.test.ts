/**
 * Room.applyClientAwareness says when a frame only renews states the room holds (the same state
 * under a newer clock): those are what the server relays in batches (realtime/presence-renewals.ts).
 */
import { describe, expect, it } from 'vitest'
import {
  awarenessFrameOf,
  type AwarenessEntryTuple as Entry,
} from '../../helpers/awareness-frames.ts'
import { Room } from '../../../server/rooms/room.ts'

const identity = { id: 'u1', name: 'Ada', color: '#61afef' }

const roomWithMember = (): Room => {
  const room = new Room('d1', 'w1', { snapshot: null, updates: [], lastSeq: 0 })
  room.addMember('s1', identity.id)
  return room
}

const renewal = (room: Room, ...entries: Entry[]): boolean | undefined =>
  room.applyClientAwareness('s1', awarenessFrameOf(...entries), identity)?.renewal

const at = (anchor: number) => ({ user: identity, cursor: { anchor, head: anchor } })

describe('presence renewals', () => {
  it('is a renewal only when every entry repeats the state held, under a newer clock', () => {
    const room = roomWithMember()
    try {
      expect(renewal(room, [7, 1, at(3)])).toBe(false) // first state: news
      expect(renewal(room, [7, 2, at(3)])).toBe(true) // the same again: a renewal
      expect(room.awareness.meta.get(7)?.clock).toBe(2) // and the room holds the new clock
      expect(renewal(room, [7, 3, at(4)])).toBe(false) // the caret moved
      expect(renewal(room, [7, 3, at(4)])).toBe(false) // not newer: nothing renewed
      expect(renewal(room, [7, 4, at(4)], [8, 1, at(1)])).toBe(false) // one entry is news
      expect(renewal(room, [7, 5, at(4)], [8, 2, at(1)])).toBe(true) // both repeat
      expect(renewal(room, [7, 6, null])).toBe(false) // a removal
      expect(renewal(room, [7, 7, at(4)])).toBe(false) // back after a removal: news
    } finally {
      room.destroy()
    }
  })

  it('compares the state as the room holds it, with the identity stamped', () => {
    const room = roomWithMember()
    try {
      // The client claims another name; the room stamps the session's identity either time.
      const claimed = { user: { name: 'Eve', color: '#000000' }, cursor: 1 }
      expect(renewal(room, [9, 1, claimed])).toBe(false)
      expect(renewal(room, [9, 2, claimed])).toBe(true)
      expect(room.awareness.getStates().get(9)?.user).toEqual(identity)
    } finally {
      room.destroy()
    }
  })
})
