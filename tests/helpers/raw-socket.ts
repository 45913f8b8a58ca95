/**
 * A bare Socket.IO client speaking the wire contract, for tests that send what a well-behaved
 * provider never would (malformed updates, forged ids, floods). Connects over WebSocket only and
 * never reconnects on its own.
 */
import { io, type Socket } from 'socket.io-client'
import { clientWireParser } from '../../shared/wire-parser.ts'
import type { ClientToServerEvents, ServerToClientEvents } from '../../shared/protocol.ts'

export type RawSocket = Socket<ServerToClientEvents, ClientToServerEvents>

export interface RawSocketOptions {
  readonly token?: string
  readonly headers?: Record<string, string>
}

/** Resolves once connected; rejects with the server's refusal (`error.data.code`). */
export const connectRaw = (url: string, options: RawSocketOptions = {}): Promise<RawSocket> =>
  new Promise((resolve, reject) => {
    const socket: RawSocket = io(url, {
      transports: ['websocket'],
      parser: clientWireParser,
      reconnection: false,
      forceNew: true,
      ...(options.token === undefined ? {} : { auth: { token: options.token } }),
      ...(options.headers ? { extraHeaders: options.headers } : {}),
    })
    socket.once('connect', () => resolve(socket))
    socket.once('connect_error', (error) => {
      socket.close()
      reject(error)
    })
  })

/** Resolves with the reason once the socket is disconnected. */
export const whenDisconnected = (socket: RawSocket): Promise<string> =>
  new Promise((resolve) => {
    if (socket.disconnected) return resolve('already disconnected')
    socket.once('disconnect', (reason) => resolve(reason))
  })
