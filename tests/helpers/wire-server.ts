/**
 * A bare Socket.IO server on 127.0.0.1 (port 0) with the Loresync wire parser, and clients that
 * speak it over a WebSocket: for tests of what server/realtime does to Socket.IO's own objects,
 * without the rest of the app. Both close when the test finishes (clients first: `onTestFinished`
 * runs in reverse order).
 */
import { createServer, type Server as HttpServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Server, type ServerOptions } from 'socket.io'
import {
  io as connect,
  type ManagerOptions,
  type Socket,
  type SocketOptions,
} from 'socket.io-client'
import { onTestFinished } from 'vitest'
import { serverWireParser } from '../../server/realtime/server-wire-parser.ts'
import { clientWireParser } from '../../shared/wire-parser.ts'

export interface WireServer {
  readonly io: Server
  readonly url: string
}

/** Starts the server; `prepare` runs after Socket.IO attached and before it listens. */
export const startWireServer = async (
  prepare?: (http: HttpServer, io: Server) => void,
  options: Partial<ServerOptions> = {},
): Promise<WireServer> => {
  const http = createServer()
  const io = new Server(http, { parser: serverWireParser, cors: { origin: [] }, ...options })
  prepare?.(http, io)
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  onTestFinished(() => new Promise<void>((resolve) => void io.close(() => resolve())))
  return { io, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` }
}

/** A new connection (never a shared manager) that does not reconnect. */
export const connectWireClient = (
  url: string,
  options: Partial<ManagerOptions & SocketOptions> = {},
): Socket => {
  const client = connect(url, {
    transports: ['websocket'],
    parser: clientWireParser,
    forceNew: true,
    reconnection: false,
    ...options,
  })
  onTestFinished(() => void client.close())
  return client
}
