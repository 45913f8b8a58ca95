/**
 * Accounts for tests: register (or log in) a user over the real HTTP API and get what each kind of
 * client presents: the bearer token (API clients, `auth: {token}` on sockets), the refresh token,
 * and the Cookie header a browser would send.
 */
import { randomUUID } from 'node:crypto'
import type { AuthSession, User } from '../../shared/api.ts'
import { CollabClient } from '../../client/collab/collab-client.ts'
import type { SocketFactoryOptions } from '../../client/collab/socket.ts'

export const TEST_PASSWORD = 'correct horse battery staple'

export interface TestUser {
  readonly user: User
  readonly username: string
  readonly password: string
  readonly token: string
  readonly refreshToken: string
  /** `name=value; name=value`: the Cookie header a browser sends after this sign-in. */
  readonly cookie: string
}

/** A fresh username every call: tests sharing a server never collide. */
export const uniqueUsername = (prefix = 'user'): string => `${prefix}-${randomUUID().slice(0, 8)}`

const cookieHeader = (response: Response): string =>
  response.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .filter((pair) => !pair!.endsWith('='))
    .join('; ')

const authenticate = async (
  url: string,
  path: '/api/auth/register' | '/api/auth/login',
  username: string,
  password: string,
): Promise<TestUser> => {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  })
  if (!response.ok) {
    throw new Error(`POST ${path} as ${username}: ${response.status} ${await response.text()}`)
  }
  const session = (await response.json()) as AuthSession
  return {
    user: session.user,
    username,
    password,
    token: session.token,
    refreshToken: session.refreshToken,
    cookie: cookieHeader(response),
  }
}

export const registerUser = (
  url: string,
  username = uniqueUsername(),
  password = TEST_PASSWORD,
): Promise<TestUser> => authenticate(url, '/api/auth/register', username, password)

export const loginUser = (url: string, username: string, password = TEST_PASSWORD) =>
  authenticate(url, '/api/auth/login', username, password)

/** Registers, or logs in when the name is taken (a server restarted on the same data). */
export const signIn = async (url: string, username: string, password = TEST_PASSWORD) => {
  const response = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  })
  await response.body?.cancel()
  return response.ok ? loginUser(url, username, password) : registerUser(url, username, password)
}

/** A CollabClient whose socket authenticates with `token`. Destroy it when done. */
export const authedClient = (
  url: string,
  token: string,
  options: SocketFactoryOptions['options'] = {},
): CollabClient => new CollabClient({ url, options: { auth: { token }, ...options } })
