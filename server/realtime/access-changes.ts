/**
 * Applies membership changes and ended sessions to sockets that are already open, in the same
 * tick as the change is committed:
 *
 * - removed from a world: the person's sockets leave every element of that world with
 *   `doc:error (docId, forbidden)` and stop receiving the world's index;
 * - demoted to viewer: they leave every element of that world with `doc:error (docId, read-only)`;
 *   a client that joins again gets the document read-only (role `viewer`);
 * - promoted (viewer → editor/owner) or owner ↔ editor: the new role applies to the open sockets at
 *   once, with no interruption, and each is told with `doc:role (docId, role)` so its page can
 *   become editable without waiting for its next join;
 * - a session ended (logout, replayed refresh token): its sockets are disconnected.
 *
 * Only this process's sockets are reached; see docs/security.md for several nodes.
 */
import type { ErrorPayload } from '../../shared/errors.ts'
import { worldRoom } from '../../shared/protocol.ts'
import { canWrite, type Role } from '../../shared/roles.ts'
import type { RoomRegistry } from '../rooms/room-registry.ts'
import type { LoresyncServer, LoresyncSocket } from './types.ts'

const socketsOf = (io: LoresyncServer, userId: string): LoresyncSocket[] =>
  [...io.sockets.sockets.values()].filter((socket) => socket.data.principal?.user.id === userId)

export const applyMembershipChange = (
  io: LoresyncServer,
  registry: RoomRegistry,
  change: { worldId: string; userId: string; role: Role | undefined },
): void => {
  const { worldId, userId, role } = change
  for (const socket of socketsOf(io, userId)) {
    if (role === undefined) {
      void socket.leave(worldRoom(worldId))
      socket.data.worlds?.delete(worldId)
    }
    for (const docId of [...(socket.data.docs?.keys() ?? [])]) {
      if (registry.get(docId)?.worldId !== worldId) continue
      const error = ejection(role)
      if (error) {
        socket.data.leaveDocument(socket, docId)
        socket.emit('doc:error', docId, error)
      } else if (role !== undefined && socket.data.docs.get(docId) !== role) {
        socket.data.docs.set(docId, role)
        socket.emit('doc:role', docId, role)
      }
    }
  }
}

const ejection = (role: Role | undefined): ErrorPayload | null => {
  if (role === undefined) {
    return { code: 'forbidden', message: 'you are no longer a member of this world' }
  }
  if (!canWrite(role)) {
    return {
      code: 'read-only',
      message: 'your role in this world is now viewer: join again to keep reading',
    }
  }
  return null
}

export const endSessionSockets = (io: LoresyncServer, sessionId: string): void => {
  for (const socket of io.sockets.sockets.values()) {
    if (socket.data.principal?.sessionId === sessionId) socket.disconnect(true)
  }
}
