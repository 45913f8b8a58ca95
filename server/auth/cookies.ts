/**
 * The browser's session cookies: HttpOnly (no script can read them, so an injected script cannot
 * steal the session), SameSite=Lax (not sent with cross-site POSTs, fetches or WebSocket upgrades), and
 * Secure on HTTPS. The access cookie goes everywhere (API and Socket.IO handshakes); the refresh
 * cookie only to /api/auth, where it is traded for a new pair.
 *
 * Parsing and serialising use the `cookie` package (RFC 6265).
 */
import { parse, serialize } from 'cookie'
import type { AuthSession } from '../../shared/api.ts'

export const ACCESS_COOKIE = 'loresync_token'
export const REFRESH_COOKIE = 'loresync_refresh'
const REFRESH_PATH = '/api/auth'

/** One cookie's value from a Cookie header, or undefined. */
export const readCookie = (header: string | undefined, name: string): string | undefined => {
  if (!header || header.length > 16 * 1024) return undefined
  return parse(header)[name]
}

export const sessionCookies = (session: AuthSession, secure: boolean): string[] => [
  serialize(ACCESS_COOKIE, session.token, {
    httpOnly: true,
    sameSite: 'lax',
    secure,
    path: '/',
    expires: new Date(session.expiresAt),
  }),
  serialize(REFRESH_COOKIE, session.refreshToken, {
    httpOnly: true,
    sameSite: 'lax',
    secure,
    path: REFRESH_PATH,
    expires: new Date(session.refreshExpiresAt),
  }),
]

export const clearedCookies = (secure: boolean): string[] =>
  [
    [ACCESS_COOKIE, '/'],
    [REFRESH_COOKIE, REFRESH_PATH],
  ].map(([name, path]) =>
    serialize(name!, '', {
      httpOnly: true,
      sameSite: 'lax',
      secure,
      path: path!,
      expires: new Date(0),
    }),
  )
