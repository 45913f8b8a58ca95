/**
 * Authentication of every socket before it exists for the handlers (Socket.IO middleware): the
 * access token comes from the handshake (`auth: {token}`) or the session cookie. A socket without
 * a valid one is refused with `connect_error` (`data.code` says why) and its connection is closed
 * at once, so no handler runs, no room is loaded and nothing is allocated for it.
 */
import type { Socket } from 'socket.io'
import type { ErrorCode } from '../../shared/errors.ts'
import type { AuthService } from '../auth/auth-service.ts'
import { ACCESS_COOKIE, readCookie } from '../auth/cookies.ts'
import { PrincipalCache } from '../auth/principal-cache.ts'
import type { AbusePolicy } from './abuse-policy.ts'
import type { LoresyncServer } from './types.ts'

export interface HandshakeRefusal extends Error {
  readonly data: { readonly code: ErrorCode; readonly message: string }
}

const tokenOf = (socket: Socket): string | undefined => {
  const auth: unknown = socket.handshake.auth
  const token = (auth as { token?: unknown } | undefined)?.token
  if (typeof token === 'string') return token
  return readCookie(socket.handshake.headers.cookie, ACCESS_COOKIE)
}

const refusal = (code: ErrorCode, message: string): HandshakeRefusal =>
  Object.assign(new Error(message), { data: { code, message } })

export const authenticateSockets = (
  io: LoresyncServer,
  auth: AuthService,
  abuse: AbusePolicy,
): void => {
  const principals = new PrincipalCache()
  io.use((socket, next) => {
    const refuse = (error: HandshakeRefusal): void => {
      next(error)
      // Socket.IO writes the refusal on the next tick; close the connection right after it (an
      // engine.io close waits for its write buffer to drain), rather than leave it open until
      // `connectTimeout`.
      setImmediate(() => socket.conn.close())
    }
    const check = async (): Promise<void> => {
      if (!(await abuse.admitConnection(socket.handshake.address))) {
        return refuse(
          refusal('rate-limited', 'too many connections from this address; wait a minute'),
        )
      }
      const principal = await auth.authenticate(tokenOf(socket))
      if (!principal) {
        return refuse(
          refusal(
            'unauthenticated',
            'sign in first: the access token is missing, expired or revoked',
          ),
        )
      }
      socket.data.principal = principals.intern(principal)
      next()
    }
    check().catch(() =>
      refuse(refusal('unavailable', 'the session could not be checked; try again')),
    )
  })
}
