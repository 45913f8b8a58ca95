/**
 * Closes an element's room after the element was deleted: every member is told with `doc:error`
 * (`not-found`) and removed from the Socket.IO room, then the room is dropped.
 */
import { docRoom } from '../../shared/protocol.ts'
import type { RoomRegistry } from '../rooms/room-registry.ts'
import type { LoresyncServer } from './types.ts'

export const evictElement = (io: LoresyncServer, registry: RoomRegistry, docId: string): void => {
  const room = docRoom(docId)
  io.to(room).emit('doc:error', docId, { code: 'not-found', message: 'this element was deleted' })
  for (const socketId of io.sockets.adapter.rooms.get(room) ?? []) {
    io.sockets.sockets.get(socketId)?.data.docs.delete(docId)
  }
  io.in(room).socketsLeave(room)
  registry.evict(docId)
}
