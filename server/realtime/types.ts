import type { Server, Socket } from 'socket.io'
import type { ClientToServerEvents, ServerToClientEvents } from '../../shared/protocol.ts'
import type { Role } from '../../shared/roles.ts'
import type { Principal } from '../auth/auth-service.ts'
import type { SocketGuard } from './abuse-policy.ts'

/** Per-socket state. */
export interface SocketData {
  /** Who the socket acts for: set by the authentication middleware before any handler runs. */
  principal: Principal
  /** The element rooms this socket has joined. */
  docs: Set<string>
  /** The role held in each joined element, kept current when memberships change. */
  roles: Map<string, Role>
  /** The worlds whose element index this socket is subscribed to; unset until the first one. */
  worlds?: Set<string>
  guard: SocketGuard
  /** Takes the socket out of one element (room, awareness, role, chunked transfers). */
  leaveDocument: (docId: string) => void
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export type InterServerEvents = {}

export type LoresyncServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  SocketData
>
export type LoresyncSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  SocketData
>
