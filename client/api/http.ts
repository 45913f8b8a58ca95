/**
 * Typed access to the Loresync HTTP API. Every call returns the shared resource shapes; a failure
 * throws an `ApiError` carrying the server's error code and message.
 */
import type {
  AddMemberBody,
  AuthSession,
  CreateElementBody,
  CreateWorldBody,
  CredentialsBody,
  ElementDetail,
  ElementSummary,
  Invite,
  InviteAccepted,
  Member,
  User,
  World,
} from '../../shared/api.ts'
import { isErrorCode, type ErrorCode } from '../../shared/errors.ts'
import type { Role } from '../../shared/roles.ts'

export class ApiError extends Error {
  readonly code: ErrorCode | 'network'
  readonly status: number

  constructor(code: ErrorCode | 'network', message: string, status: number) {
    super(message)
    this.name = 'ApiError'
    this.code = code
    this.status = status
  }
}

export interface Api {
  me(): Promise<{ user: User }>
  login(body: CredentialsBody): Promise<AuthSession>
  register(body: CredentialsBody): Promise<AuthSession>
  logout(): Promise<void>
  /** Trades the refresh cookie for a new access token; false when the session has ended. */
  refresh(): Promise<boolean>
  listWorlds(): Promise<World[]>
  createWorld(body: CreateWorldBody): Promise<World>
  getWorld(worldId: string): Promise<World>
  listElements(worldId: string): Promise<ElementSummary[]>
  createElement(worldId: string, body: CreateElementBody): Promise<ElementSummary>
  getElement(elementId: string): Promise<ElementDetail>
  deleteElement(elementId: string): Promise<void>
  listMembers(worldId: string): Promise<Member[]>
  addMember(worldId: string, body: AddMemberBody): Promise<Member>
  changeRole(worldId: string, userId: string, role: Role): Promise<Member>
  removeMember(worldId: string, userId: string): Promise<void>
  createInvite(worldId: string, role: Role): Promise<Invite>
  acceptInvite(token: string): Promise<InviteAccepted>
}

type Fetch = typeof fetch

/** Calls whose 401 means "wrong credentials" or "no session", not "token expired". */
const WITHOUT_REFRESH = new Set(['/api/auth/login', '/api/auth/register', '/api/auth/refresh'])

const readError = async (response: Response): Promise<ApiError> => {
  let body: unknown = null
  try {
    body = await response.json()
  } catch {
    // Not JSON (a proxy's error page, say): fall through to the status line.
  }
  const error =
    typeof body === 'object' && body !== null && 'error' in body ? (body.error as unknown) : null
  if (typeof error === 'object' && error !== null && 'code' in error && 'message' in error) {
    const { code, message } = error
    if (isErrorCode(code) && typeof message === 'string') {
      return new ApiError(code, message, response.status)
    }
  }
  return new ApiError(
    response.status >= 500 ? 'internal' : 'invalid-request',
    `The server answered ${response.status} ${response.statusText}.`.trim(),
    response.status,
  )
}

export const createApi = (
  serverUrl: string,
  fetchImpl: Fetch = (...args) => fetch(...args),
): Api => {
  const send = async (method: string, path: string, body?: unknown): Promise<Response> => {
    try {
      return await fetchImpl(`${serverUrl}${path}`, {
        method,
        // The session lives in HttpOnly cookies; `include` also sends them to a server on another
        // origin (VITE_SERVER_URL).
        credentials: 'include',
        headers:
          body === undefined
            ? { accept: 'application/json' }
            : { accept: 'application/json', 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
    } catch {
      throw new ApiError(
        'network',
        'The server could not be reached. Check your connection and try again.',
        0,
      )
    }
  }

  // Access tokens are short-lived: a 401 is answered by one refresh (shared by concurrent calls)
  // and one retry. The refresh cookie is only ever sent to /api/auth.
  let refreshing: Promise<boolean> | null = null
  const refresh = (): Promise<boolean> => {
    refreshing ??= send('POST', '/api/auth/refresh')
      .then(async (response) => {
        await response.body?.cancel()
        return response.ok
      })
      .finally(() => {
        refreshing = null
      })
    return refreshing
  }

  const request = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    let response = await send(method, path, body)
    if (response.status === 401 && !WITHOUT_REFRESH.has(path) && (await refresh())) {
      response = await send(method, path, body)
    }
    if (!response.ok) throw await readError(response)
    if (response.status === 204) return undefined as T
    // The server is the other half of the shared contract; its shapes are trusted at this boundary.
    return (await response.json()) as T
  }
  const segment = encodeURIComponent
  return {
    me: () => request<{ user: User }>('GET', '/api/auth/me'),
    login: (body) => request<AuthSession>('POST', '/api/auth/login', body),
    register: (body) => request<AuthSession>('POST', '/api/auth/register', body),
    logout: () => request<void>('POST', '/api/auth/logout'),
    refresh,
    listWorlds: () => request<World[]>('GET', '/api/worlds'),
    createWorld: (body) => request<World>('POST', '/api/worlds', body),
    getWorld: (worldId) => request<World>('GET', `/api/worlds/${segment(worldId)}`),
    listElements: (worldId) =>
      request<ElementSummary[]>('GET', `/api/worlds/${segment(worldId)}/elements`),
    createElement: (worldId, body) =>
      request<ElementSummary>('POST', `/api/worlds/${segment(worldId)}/elements`, body),
    getElement: (elementId) => request<ElementDetail>('GET', `/api/elements/${segment(elementId)}`),
    deleteElement: (elementId) => request<void>('DELETE', `/api/elements/${segment(elementId)}`),
    listMembers: (worldId) => request<Member[]>('GET', `/api/worlds/${segment(worldId)}/members`),
    addMember: (worldId, body) =>
      request<Member>('POST', `/api/worlds/${segment(worldId)}/members`, body),
    changeRole: (worldId, userId, role) =>
      request<Member>('PATCH', `/api/worlds/${segment(worldId)}/members/${segment(userId)}`, {
        role,
      }),
    removeMember: (worldId, userId) =>
      request<void>('DELETE', `/api/worlds/${segment(worldId)}/members/${segment(userId)}`),
    createInvite: (worldId, role) =>
      request<Invite>('POST', `/api/worlds/${segment(worldId)}/invites`, { role }),
    acceptInvite: (token) =>
      request<InviteAccepted>('POST', `/api/invites/${segment(token)}/accept`),
  }
}
