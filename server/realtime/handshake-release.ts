/**
 * Lets go of what a socket's handshake carried once it is authenticated. The access token (in
 * `auth`) and the session cookie (among the headers) were needed once, by socket-auth.ts; after
 * that nothing of ours reads them, and every idle connection would keep them, secrets included,
 * along with every other header twice over (parsed and raw): about 0.5 KB a connection from a
 * script, more from a browser.
 *
 * Socket.IO supports a socket whose engine.io request is gone (its documented way to save memory:
 * a later namespace handshake on the connection then sees no headers). engine.io 6.6 also holds
 * the request from the response shim it builds for every WebSocket upgrade (`WebSocketResponse`,
 * through a `once('close')` listener on the TCP socket that lives as long as the connection):
 * `releaseUpgradeShims` removes that listener, which frees the shim and the whole request (about
 * 1.1 KB a connection, benchmark T3). Should it ever not find the listener, the request is still
 * held, so its header fields are emptied too, or dropping the reference would free nothing.
 *
 * Of the rest of the handshake only `address` is read again (the abuse guard); the connect time as
 * a string, the URL and its parsed query are let go as well (about 0.2 KB a connection, T3), and
 * so is the listener engine.io leaves on every WebSocket it did not get by an upgrade of an
 * existing connection (`onUpgradeError`, which only logs; the transport's own error listener stays).
 */
import type { Server as HttpServer, IncomingHttpHeaders, IncomingMessage } from 'node:http'
import { EventEmitter } from 'node:events'
import type { Duplex } from 'node:stream'
import type { ParsedUrlQuery } from 'node:querystring'
import type { LoresyncSocket } from './types.ts'

const NO_AUTH: Readonly<Record<string, never>> = Object.freeze({})
const NO_HEADERS: IncomingHttpHeaders = Object.freeze({})
const NO_QUERY: ParsedUrlQuery = Object.freeze({})

/** The engine.io connection as far as this module writes to it. */
interface EngineConnection {
  request: IncomingMessage | null
  /** The WebSocket transport holds its ws socket here; HTTP long-polling has none. */
  readonly transport?: { readonly socket?: unknown }
}

/** engine.io's name for the listener; only ever removed by that name (a function declaration). */
const UPGRADE_ERROR_LISTENER = 'onUpgradeError'

/** Removes engine.io's `onUpgradeError` from the connection's ws socket, if it is there. */
const releaseUpgradeErrorListener = (connection: EngineConnection): void => {
  const ws = connection.transport?.socket
  if (!(ws instanceof EventEmitter)) return
  const listeners = ws.rawListeners('error')
  // Only while another listener remains: an 'error' without one would throw.
  if (listeners.length < 2) return
  for (const listener of listeners) {
    if (listener.name === UPGRADE_ERROR_LISTENER) {
      ws.removeListener('error', listener as (...args: unknown[]) => void)
    }
  }
}

export const releaseHandshake = (socket: LoresyncSocket): void => {
  // The in-memory test transport has no handshake and no engine.io connection.
  const handshake = socket.handshake as LoresyncSocket['handshake'] | undefined
  if (!handshake) return
  handshake.auth = NO_AUTH
  handshake.headers = NO_HEADERS
  handshake.time = ''
  handshake.url = ''
  handshake.query = NO_QUERY
  const connection = socket.conn as unknown as EngineConnection
  releaseUpgradeErrorListener(connection)
  const request = connection.request
  if (!request) return
  // Fresh (not frozen, not shared): engine.io may still hold this object and touch it.
  request.headers = {}
  request.rawHeaders = []
  connection.request = null
}

/** A `once` listener as `rawListeners` returns it: the wrapper, with the listener it calls. */
type OnceWrapper = ((...args: unknown[]) => unknown) & { readonly listener?: unknown }

/**
 * Removes the `close` listener engine.io's upgrade response shim puts on each upgraded TCP socket.
 * The shim exists so that Connect-style middlewares (pino-http and the like) can see an upgrade
 * "response" end; the only engine.io middleware here is CORS, which never listens for it, and
 * nothing else holds the shim once the upgrade is answered.
 *
 * The listener is known by position, not by its source: the `upgrade` listener prepended here
 * counts the socket's `close` listeners before engine.io's runs, the one appended here looks at
 * them after (all in one synchronous `emit`), and removes the one listener added in between if it
 * is a `once` wrapper, as the shim's is. Anything else (no listener added, several, or not a
 * `once`: a future engine.io that changed) is left alone, and the request stays as before.
 * Call it once, after engine.io attached to `httpServer` (`new Server(httpServer)`).
 */
export const releaseUpgradeShims = (httpServer: HttpServer): void => {
  let closeListenersBefore = -1
  httpServer.prependListener('upgrade', (_request: IncomingMessage, socket: Duplex) => {
    closeListenersBefore = socket.listenerCount('close')
  })
  httpServer.on('upgrade', (_request: IncomingMessage, socket: Duplex) => {
    const before = closeListenersBefore
    closeListenersBefore = -1
    const listeners = socket.rawListeners('close') as OnceWrapper[]
    if (before < 0 || listeners.length !== before + 1) return
    const added = listeners[before]
    if (added && typeof added.listener === 'function') socket.removeListener('close', added)
  })
}
