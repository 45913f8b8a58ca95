/**
 * The public surface of the framework-free collaboration client. It runs in Node and in browsers
 * and imports nothing from Vue; the web app's stores wrap it.
 */
import type { ErrorPayload } from '../../shared/errors.ts'
import type { Role, ServerNotice } from '../../shared/protocol.ts'

export type ConnectionStatus = 'connecting' | 'connected' | 'disconnected'

export interface SessionState {
  /** True once the join handshake completed on the current connection and nothing is pending. */
  readonly synced: boolean
  /** Local updates sent (or waiting for a connection) that the server has not acknowledged yet. */
  readonly unsyncedChanges: number
  /** The role the server granted on the last join; null before the first join. */
  readonly role: Role | null
  /** The last error the server reported for this element (join refused, update refused…). */
  readonly error: ErrorPayload | null
}

export interface SessionEvents {
  /** Any field of SessionState changed. */
  state: (state: SessionState) => void
  /** The handshake finished: the local doc has everything the server had at join time. */
  synced: () => void
}

export interface ClientEvents {
  status: (status: ConnectionStatus) => void
  /** The server announced something, e.g. that it is restarting (the client reconnects itself). */
  notice: (notice: ServerNotice) => void
}
