/**
 * The one place the client builds its Socket.IO connection, typed with the shared contract
 * (generics reversed relative to the server).
 */
import { io, type Socket, type ManagerOptions, type SocketOptions } from 'socket.io-client'
import type { ClientToServerEvents, ServerToClientEvents } from '../../shared/protocol.ts'
import { clientWireParser } from '../../shared/wire-parser.ts'
import { installEngineFastLane } from './engine-fast-lane.ts'
import { installInboundFastLane } from './inbound-fast-lane.ts'

export type CollabSocket = Socket<ServerToClientEvents, ClientToServerEvents>

export interface SocketFactoryOptions {
  /** Server origin, e.g. `http://127.0.0.1:3000`; undefined means the page's own origin. */
  readonly url?: string
  /** Extra Socket.IO options (auth, transports, reconnection delays…). */
  readonly options?: Partial<ManagerOptions & SocketOptions>
}

export const createSocket = ({ url, options }: SocketFactoryOptions = {}): CollabSocket => {
  const merged: Partial<ManagerOptions & SocketOptions> = {
    // Straight to WebSocket: long-polling doubles the requests of every edit and buys nothing on
    // the networks Loresync targets. Callers that need polling can pass their own transports.
    transports: ['websocket'],
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000,
    ...options,
    // Part of the protocol, not an option: the server speaks only this parser.
    parser: clientWireParser,
  }
  const socket: CollabSocket = url === undefined ? io(merged) : io(url, merged)
  // Compact events straight from the decoder to their listeners (inbound-fast-lane.ts), and every
  // message straight from the WebSocket transport to the decoder (engine-fast-lane.ts).
  installInboundFastLane(socket)
  installEngineFastLane(socket.io)
  return socket
}
