/**
 * Socket.IO set-up: transport options, the origin check on every handshake, per-socket state, and
 * one handler module per event family.
 */
import type { Server as HttpServer } from 'node:http'
import { Server } from 'socket.io'
import { MAX_MESSAGE_BYTES } from '../../shared/limits.ts'
import { SmallMap } from '../rooms/small-map.ts'
import { serverWireParser } from './server-wire-parser.ts'
import { awarenessHandlers } from './awareness-handlers.ts'
import { compactConnection } from './connection-footprint.ts'
import { realtimeContext, type RealtimeWiring } from './context.ts'
import { releaseHandshake, releaseUpgradeShims } from './handshake-release.ts'
import { spreadHeartbeats } from './heartbeat-spread.ts'
import { docHandlers } from './doc-handlers.ts'
import { installInboundFastLane, type ListenerFailure } from './inbound-fast-lane.ts'
import { isOriginAllowed } from './origin-policy.ts'
import type { SocketListener } from './boundary.ts'
import type { LoresyncServer, LoresyncSocket } from './types.ts'
import { worldHandlers } from './world-handlers.ts'

export interface SocketServerOptions {
  readonly corsOrigins: readonly string[]
  /** False once shutdown began: handshakes are refused so clients go to the next server. */
  readonly accepting: () => boolean
}

export const createSocketServer = (
  httpServer: HttpServer,
  { corsOrigins, accepting }: SocketServerOptions,
): LoresyncServer => {
  const io: LoresyncServer = new Server(httpServer, {
    // Part of the protocol (shared/wire-parser.ts): clients must use the same parser.
    parser: serverWireParser,
    // Set explicitly: it is part of the protocol (larger updates are chunked, see limits.ts).
    maxHttpBufferSize: MAX_MESSAGE_BYTES,
    cors: { origin: [...corsOrigins], credentials: true },
    // `cors` alone does not stop a WebSocket upgrade from a foreign page: check every handshake.
    allowRequest: (request, callback) => {
      if (!accepting()) return callback('the server is restarting', false)
      const allowed = isOriginAllowed(request.headers, corsOrigins)
      callback(allowed ? null : 'origin not allowed', allowed)
    },
    serveClient: false,
    // A connection that has not completed a (authenticated) namespace handshake by then is closed.
    connectTimeout: 5000,
  })
  // After engine.io attached: frees each upgrade's request and response shim (handshake-release.ts).
  releaseUpgradeShims(httpServer)
  // Connections opened together (after a restart) are not pinged together (heartbeat-spread.ts).
  spreadHeartbeats(io)
  return io
}

/** The peer's address; the in-memory test transport has no handshake and counts as one peer. */
const clientAddress = (socket: LoresyncSocket): string =>
  (socket.handshake as LoresyncSocket['handshake'] | undefined)?.address ?? 'unknown'

export const attachHandlers = (wiring: RealtimeWiring): void => {
  const context = realtimeContext(wiring)
  const doc = docHandlers(context)
  const listeners = new Map<unknown, SocketListener<LoresyncSocket>>(
    Object.entries({ ...doc.events, ...awarenessHandlers(context), ...worldHandlers(context) }),
  )
  // One shared catch-all listener routes every client event: a socket carries one entry in
  // Socket.IO's any-listeners instead of a listener (and an events-table slot) per event.
  // Socket.IO calls it with the socket as `this` and the event name first; unknown names are
  // ignored, as they were with per-event listeners.
  const dispatch = function (this: LoresyncSocket, event: unknown, ...args: unknown[]): void {
    listeners.get(event)?.apply(this, args)
  }
  // The handlers catch their own errors (boundary.ts); this is the last guard of the fast lane,
  // where a throw would otherwise close the connection as a parse error.
  const fastLaneFailed: ListenerFailure = (error) =>
    context.logger.error({ err: error }, 'socket listener failed on the inbound fast lane')
  context.io.on('connection', (socket) => {
    // Authentication (socket-auth.ts) runs before 'connection'; a socket that reaches this point
    // without a principal was let in by mistake and gets nothing.
    if (!socket.data.principal) {
      socket.disconnect(true)
      return
    }
    releaseHandshake(socket)
    // Most sockets have one element open: two fields instead of a 184-byte Map (T3).
    socket.data.docs = new SmallMap()
    socket.data.guard = context.abuse.forSocket(socket, clientAddress(socket))
    doc.attach(socket)
    socket.onAny(dispatch)
    compactConnection(socket)
    // Compact events straight from the decoder to `dispatch` (inbound-fast-lane.ts).
    installInboundFastLane(socket, fastLaneFailed)
    socket.on('disconnect', doc.onDisconnect)
  })
}
