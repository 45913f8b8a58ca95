import type { Server, Socket } from 'socket.io'
import type { ClientToServerEvents, ServerToClientEvents } from '../../shared/protocol.ts'
import type { Role } from '../../shared/roles.ts'
import type { Principal } from '../auth/auth-service.ts'
import type { SocketGuard } from './abuse-policy.ts'
import type { ChunkAssembler } from './chunk-assembler.ts'

/** Per-socket state. */
export interface SocketData {
  /** Who the socket acts for: set by the authentication middleware before any handler runs. */
  principal: Principal
  /**
   * The element rooms this socket has joined, each with the role held in it (kept current when
   * memberships change). One map, not a set and a map: every idle connection pays for both.
   */
  docs: Map<string, Role>
  /** The worlds whose element index this socket is subscribed to; unset until the first one. */
  worlds?: Set<string>
  guard: SocketGuard
  /** Chunked uploads in progress; created on the first chunk. */
  chunks?: ChunkAssembler
  /**
   * Takes a socket out of one element (room, awareness, role, chunked transfers): the server's
   * one shared function, so a socket holds a reference, not a closure.
   */
  leaveDocument: (socket: LoresyncSocket, docId: string) => void
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
