/**
 * Socket.IO set-up: transport options, the origin check on every handshake, per-socket state, and
 * one handler module per event family.
 */
import type { Server as HttpServer } from 'node:http'
import { Server } from 'socket.io'
import { MAX_MESSAGE_BYTES } from '../../shared/limits.ts'
import { registerAwarenessHandlers } from './awareness-handlers.ts'
import type { RealtimeContext } from './context.ts'
import { registerDocHandlers } from './doc-handlers.ts'
import { isOriginAllowed } from './origin-policy.ts'
import type { LoresyncServer } from './types.ts'
import { registerWorldHandlers } from './world-handlers.ts'

export interface SocketServerOptions {
  readonly corsOrigins: readonly string[]
}

export const createSocketServer = (
  httpServer: HttpServer,
  { corsOrigins }: SocketServerOptions,
): LoresyncServer =>
  new Server(httpServer, {
    // Set explicitly: it is part of the protocol (larger updates are chunked, see limits.ts).
    maxHttpBufferSize: MAX_MESSAGE_BYTES,
    cors: { origin: [...corsOrigins], credentials: true },
    // `cors` alone does not stop a WebSocket upgrade from a foreign page: check every handshake.
    allowRequest: (request, callback) => {
      const allowed = isOriginAllowed(request.headers, corsOrigins)
      callback(allowed ? null : 'origin not allowed', allowed)
    },
    serveClient: false,
  })

export const attachHandlers = (context: RealtimeContext): void => {
  context.io.on('connection', (socket) => {
    socket.data.docs = new Set()
    registerDocHandlers(socket, context)
    registerAwarenessHandlers(socket, context)
    registerWorldHandlers(socket, context)
  })
}
