/**
 * Who is calling: `Authorization: Bearer <token>` (API clients) or the session cookie (the
 * browser). Routes call `requirePrincipal` first thing; a missing, expired or revoked token is a
 * 401 `unauthenticated`, before anything else about the request is looked at.
 */
import type { FastifyRequest } from 'fastify'
import type { AuthService, Principal } from '../auth/auth-service.ts'
import { ACCESS_COOKIE, readCookie } from '../auth/cookies.ts'
import { ApiError } from './api-error.ts'

/** The access token a request presents, from the Authorization header first, else the cookie. */
export const presentedToken = (request: FastifyRequest): string | undefined => {
  const header = request.headers.authorization
  if (typeof header === 'string') {
    const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header.trim())
    return match?.[1]
  }
  return readCookie(request.headers.cookie, ACCESS_COOKIE)
}

export type RequirePrincipal = (request: FastifyRequest) => Promise<Principal>

export const createRequirePrincipal =
  (auth: AuthService): RequirePrincipal =>
  async (request) => {
    const principal = await auth.authenticate(presentedToken(request))
    if (!principal) {
      throw new ApiError(
        'unauthenticated',
        'sign in first: send a valid access token (Authorization: Bearer …) or the session cookie',
      )
    }
    return principal
  }

/** Cookies get `Secure` when the request came over HTTPS (behind a proxy: set trustProxy). */
export const isSecureRequest = (request: FastifyRequest): boolean => request.protocol === 'https'
