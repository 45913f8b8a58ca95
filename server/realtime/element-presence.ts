/**
 * Who has which element open, told to the element's world: the sidebar's "someone is here" dots.
 * Built from the sockets in each room and their sessions (never from what clients claim), one
 * entry per person however many tabs they have open. With several nodes each node reports the
 * people connected to it (see docs/scale-out.md).
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

/** Tells the world's subscribers who has `room`'s element open now. */
export const announcePresence = (io: LoresyncServer, room: Room): void => {
  io.to(worldRoom(room.worldId)).emit('element:presence', presenceOf(io, room))
}
