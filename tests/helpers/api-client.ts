/**
 * Typed calls to the HTTP API for tests. Every call takes an ApiTarget: a base URL, or an object
 * with the URL and the token to send (a TestServer, a `{ url, token }` pair). Without a token
 * the call is anonymous, which every route but register/login/refresh refuses.
 */
import type {
  ElementDetail,
  ElementSummary,
  Invite,
  InviteAccepted,
  Member,
  World,
} from '../../shared/api.ts'
import type { ElementKind } from '../../shared/element-kinds.ts'
import type { Role } from '../../shared/roles.ts'

export type ApiTarget = string | { readonly url: string; readonly token?: string }

const urlOf = (target: ApiTarget): string => (typeof target === 'string' ? target : target.url)
const tokenOf = (target: ApiTarget): string | undefined =>
  typeof target === 'string' ? undefined : target.token

export interface ApiResponse<T = unknown> {
  readonly status: number
  readonly body: T
}

/** One request; resolves with status and parsed body whatever the status (for negative tests). */
export const request = async <T = unknown>(
  target: ApiTarget,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiResponse<T>> => {
  const token = tokenOf(target)
  const response = await fetch(`${urlOf(target)}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  })
  const text = await response.text()
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T }
}

const call = async <T>(target: ApiTarget, method: string, path: string, body?: unknown) => {
  const response = await request<T>(target, method, path, body)
  if (response.status >= 400) {
    throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`)
  }
  return response.body
}

export const createWorld = (target: ApiTarget, name = 'Test world'): Promise<World> =>
  call(target, 'POST', '/api/worlds', { name })

export const listWorlds = (target: ApiTarget): Promise<World[]> =>
  call(target, 'GET', '/api/worlds')

export const createElement = (
  target: ApiTarget,
  worldId: string,
  body: { kind: ElementKind; name: string; summary?: string } = { kind: 'character', name: 'Aria' },
): Promise<ElementSummary> => call(target, 'POST', `/api/worlds/${worldId}/elements`, body)

export const getElement = (target: ApiTarget, id: string): Promise<ElementDetail> =>
  call(target, 'GET', `/api/elements/${id}`)

export const listElements = (target: ApiTarget, worldId: string): Promise<ElementSummary[]> =>
  call(target, 'GET', `/api/worlds/${worldId}/elements`)

export const listMembers = (target: ApiTarget, worldId: string): Promise<Member[]> =>
  call(target, 'GET', `/api/worlds/${worldId}/members`)

export const addMember = (
  target: ApiTarget,
  worldId: string,
  username: string,
  role: Role,
): Promise<Member> => call(target, 'POST', `/api/worlds/${worldId}/members`, { username, role })

export const changeRole = (
  target: ApiTarget,
  worldId: string,
  userId: string,
  role: Role,
): Promise<Member> => call(target, 'PATCH', `/api/worlds/${worldId}/members/${userId}`, { role })

export const removeMember = (target: ApiTarget, worldId: string, userId: string) =>
  call<undefined>(target, 'DELETE', `/api/worlds/${worldId}/members/${userId}`)

export const createInvite = (target: ApiTarget, worldId: string, role: Role): Promise<Invite> =>
  call(target, 'POST', `/api/worlds/${worldId}/invites`, { role })

export const acceptInvite = (target: ApiTarget, token: string): Promise<InviteAccepted> =>
  call(target, 'POST', `/api/invites/${token}/accept`)
