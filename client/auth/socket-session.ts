/**
 * The socket authenticates with the session cookie at every handshake. When the server refuses a
 * handshake as unauthenticated (the access token expired while we were away), one refresh gets a
 * new cookie and the socket connects again; if the session has ended, the person signs in again.
 * Socket.IO does not retry a handshake its server refused, so without this the app stays offline.
 */
import type { Api } from '../api/http.ts'
import type { CollabSocket } from '../collab/socket.ts'

const refusalCode = (error: Error): unknown =>
  (error as Error & { data?: { code?: unknown } }).data?.code

export const keepSocketSignedIn = (
  socket: CollabSocket,
  api: Pick<Api, 'refresh'>,
  hooks: { reconnect(): void; signedOut(): void },
): (() => void) => {
  let refreshing = false
  const onConnectError = (error: Error): void => {
    if (refusalCode(error) !== 'unauthenticated' || refreshing) return
    refreshing = true
    api
      .refresh()
      .then((ok) => (ok ? hooks.reconnect() : hooks.signedOut()))
      .catch((failure: unknown) => {
        console.error('Refreshing the session failed; the app stays offline until reload.', failure)
      })
      .finally(() => {
        refreshing = false
      })
  }
  socket.on('connect_error', onConnectError)
  return () => socket.off('connect_error', onConnectError)
}
