/**
 * `/api/auth/*`: register, log in, refresh, log out, and who am I. Browsers get their session as
 * HttpOnly cookies; API clients use the tokens from the body. A refresh made with the cookie
 * answers without tokens in the body, so a script injected into the page cannot lift them.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import {
  credentialsBody,
  refreshBody,
  type AuthSession,
  type SessionInfo,
} from '../../shared/api.ts'
import type { AuthService } from '../auth/auth-service.ts'
import { REFRESH_COOKIE, clearedCookies, readCookie, sessionCookies } from '../auth/cookies.ts'
import type { AuthThrottle } from '../auth/throttle.ts'
import { ApiError } from './api-error.ts'
import { isSecureRequest, type RequirePrincipal } from './authenticate.ts'
import { parseBody } from './parse.ts'

export interface AuthRoutesOptions {
  readonly auth: AuthService
  readonly throttle: AuthThrottle
  readonly requirePrincipal: RequirePrincipal
}

const TOO_MANY = 'too many attempts from here or for this account; wait a few minutes and try again'

const withCookies = (request: FastifyRequest, reply: FastifyReply, session: AuthSession) =>
  reply.header('set-cookie', sessionCookies(session, isSecureRequest(request)))

export const registerAuthRoutes = (
  app: FastifyInstance,
  { auth, throttle, requirePrincipal }: AuthRoutesOptions,
): void => {
  app.post('/api/auth/register', async (request, reply) => {
    const body = parseBody(credentialsBody, request.body)
    if (!(await throttle.mayRegister(request.ip))) throw new ApiError('rate-limited', TOO_MANY)
    const session = await auth.register(body)
    if (!session) {
      throw new ApiError('conflict', `the username "${body.username}" is taken; choose another`)
    }
    return withCookies(request, reply, session).code(201).send(session)
  })

  app.post('/api/auth/login', async (request, reply) => {
    const body = parseBody(credentialsBody, request.body)
    const key = body.username.toLowerCase()
    if (!(await throttle.mayTryLogin(key, request.ip))) {
      throw new ApiError('rate-limited', TOO_MANY)
    }
    const session = await auth.login(body)
    if (!session) {
      await throttle.loginFailed(key, request.ip)
      throw new ApiError('unauthenticated', 'wrong username or password')
    }
    await throttle.loginSucceeded(key)
    return withCookies(request, reply, session).send(session)
  })

  app.post('/api/auth/refresh', async (request, reply) => {
    const fromBody = parseBody(refreshBody, request.body)?.refreshToken
    const token = fromBody ?? readCookie(request.headers.cookie, REFRESH_COOKIE)
    const session = await auth.refresh(token)
    if (!session) {
      reply.header('set-cookie', clearedCookies(isSecureRequest(request)))
      throw new ApiError('unauthenticated', 'the session has ended; sign in again')
    }
    withCookies(request, reply, session)
    if (fromBody !== undefined) return reply.send(session)
    const info: SessionInfo = { user: session.user, expiresAt: session.expiresAt }
    return reply.send(info)
  })

  app.post('/api/auth/logout', async (request, reply) => {
    const refreshToken = readCookie(request.headers.cookie, REFRESH_COOKIE)
    const principal = await requirePrincipal(request).catch(() => null)
    if (principal) await auth.logout(principal)
    else if (refreshToken) await auth.logoutByRefreshToken(refreshToken)
    else {
      throw new ApiError('unauthenticated', 'there is no session to end')
    }
    return reply
      .header('set-cookie', clearedCookies(isSecureRequest(request)))
      .code(204)
      .send()
  })

  app.get('/api/auth/me', async (request) => {
    const principal = await requirePrincipal(request)
    return { user: principal.user }
  })
}
