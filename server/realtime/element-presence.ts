/**
 * Who has which element open, told to the element's world: the sidebar's "someone is here" dots.
 * Built from the sockets in each room and their sessions (never from what clients claim), one
 * entry per person however many tabs they have open. With several nodes each node reports the
 * people connected to it (see docs/scale-out.md).
 *
 * Announcements are coalesced: every room announced before the event loop moves on is told once,
 * with its state at that moment (a client opening 500 elements, a reconnect storm rejoining one
 * element, a join and a leave read in one go). And on a single node an announcement nobody can
 * receive (no socket here subscribed to the world) is not built or encoded at all: that was a
 * fifth of the server's work when one socket opened many elements (benchmark T8).
 */
import { worldRoom, type ElementPresence, type PresentUser } from '../../shared/protocol.ts'
import type { Room } from '../rooms/room.ts'
import type { LoresyncServer } from './types.ts'

export const presenceOf = (io: LoresyncServer, room: Room): ElementPresence => {
  const users = new Map<string, PresentUser>()
  for (const socketId of room.memberSocketIds()) {
    const user = io.sockets.sockets.get(socketId)?.data.principal?.user
    if (user && !users.has(user.id)) {
      users.set(user.id, { id: user.id, name: user.username, color: user.color })
    }
  }
  return { id: room.docId, worldId: room.worldId, users: [...users.values()] }
}

export interface AnnounceOptions {
  /**
   * True when the world's subscribers may be connected to other nodes (rooms span nodes through
   * the adapter): the announcement is then always sent. Defaults to true, the safe answer.
   */
  readonly multiNode?: boolean
}

/** Per server: the rooms to announce at the next flush, and whether any caller was multi-node. */
const pending = new WeakMap<LoresyncServer, Map<Room, boolean>>()

const flush = (io: LoresyncServer): void => {
  const rooms = pending.get(io)
  pending.delete(io)
  if (!rooms) return
  const localRooms = io.sockets.adapter.rooms
  for (const [room, multiNode] of rooms) {
    const target = worldRoom(room.worldId)
    // On one node the adapter's rooms are every subscriber there is; an empty room is deleted.
    if (!multiNode && !localRooms.has(target)) continue
    io.to(target).emit('element:presence', presenceOf(io, room))
  }
}

/**
 * Tells the world's subscribers who has `room`'s element open, once the current turn of the event
 * loop is over (what they are told is the state then, so nothing announced is ever stale).
 */
export const announcePresence = (
  io: LoresyncServer,
  room: Room,
  options: AnnounceOptions = {},
): void => {
  const multiNode = options.multiNode ?? true
  let rooms = pending.get(io)
  if (!rooms) {
    rooms = new Map()
    pending.set(io, rooms)
    setImmediate(flush, io)
  }
  rooms.set(room, multiNode || rooms.get(room) === true)
}
