import type { Server, Socket } from 'socket.io'
import type { ClientToServerEvents, ServerToClientEvents } from '../../shared/protocol.ts'

/** Per-socket state: which element rooms this socket has joined. */
export interface SocketData {
  docs: Set<string>
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
