/**
 * Lets go of what a socket's handshake carried once it is authenticated. The access token (in
 * `auth`) and the session cookie (among the headers) were needed once, by socket-auth.ts; after
 * that nothing of ours reads them, and every idle connection would keep them, secrets included,
 * along with every other header twice over (parsed and raw): about 0.5 KB a connection from a
 * script, more from a browser.
 *
 * Socket.IO supports a socket whose engine.io request is gone (its documented way to save memory:
 * a later namespace handshake on the connection then sees no headers). engine.io 6.6 still holds
 * the request object itself (the upgrade's response shim listens for the TCP socket's close), so
 * its header fields are emptied too, or dropping the reference would free nothing.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import type { LoresyncSocket } from './types.ts'

const NO_AUTH: Readonly<Record<string, never>> = Object.freeze({})
const NO_HEADERS: IncomingHttpHeaders = Object.freeze({})

/** The engine.io connection as far as this module writes to it. */
interface EngineConnection {
  request: IncomingMessage | null
}

export const releaseHandshake = (socket: LoresyncSocket): void => {
  // The in-memory test transport has no handshake and no engine.io connection.
  const handshake = socket.handshake as LoresyncSocket['handshake'] | undefined
  if (!handshake) return
  handshake.auth = NO_AUTH
  handshake.headers = NO_HEADERS
  const connection = socket.conn as unknown as EngineConnection
  const request = connection.request
  if (!request) return
  // Fresh (not frozen, not shared): engine.io still holds this object and may touch it.
  request.headers = {}
  request.rawHeaders = []
  connection.request = null
}
