/**
 * Accounts and sessions: register, log in, refresh, log out, and turn a presented access token
 * into the person behind it. Every session lives in the store, so a token is only as good as its
 * session: logging out revokes the access and refresh tokens of that session at once.
 */
import { randomUUID } from 'node:crypto'
import type { AuthSession, CredentialsBody, User } from '../../shared/api.ts'
import { colorForUser } from '../../shared/user-color.ts'
import type { AccountStore, UserRecord } from '../storage/account-store.ts'
import { DEFAULT_SCRYPT_COST, hashPassword, verifyPassword, type ScryptCost } from './passwords.ts'
import { signToken, verifyToken } from './tokens.ts'

/** Who a request or socket acts for. */
export interface Principal {
  readonly user: User
  readonly sessionId: string
}

export interface AuthServiceOptions {
  readonly accounts: AccountStore
  readonly secret: Uint8Array
  readonly accessTtlSeconds: number
  readonly sessionTtlSeconds: number
  readonly passwordCost?: ScryptCost
  /** Told when a session ends (logout, replayed refresh token): close its sockets. */
  readonly onSessionEnded?: (sessionId: string) => void
}

export const userOf = (record: Pick<UserRecord, 'id' | 'username'>): User => ({
  id: record.id,
  username: record.username,
  color: colorForUser(record.id),
})

export class AuthService {
  private readonly accounts: AccountStore
  private readonly secret: Uint8Array
  private readonly cost: ScryptCost
  /** Verified against when the username is unknown, so both failures take the same time. */
  private readonly decoy: Promise<string>

  constructor(private readonly options: AuthServiceOptions) {
    this.accounts = options.accounts
    this.secret = options.secret
    this.cost = options.passwordCost ?? DEFAULT_SCRYPT_COST
    this.decoy = hashPassword(randomUUID(), this.cost)
  }

  /** Resolves null when the username is taken (case-insensitively). */
  async register(body: CredentialsBody): Promise<AuthSession | null> {
    const record: UserRecord = {
      id: randomUUID(),
      username: body.username,
      usernameKey: body.username.toLowerCase(),
      passwordHash: await hashPassword(body.password, this.cost),
      createdAt: new Date().toISOString(),
    }
    if (!(await this.accounts.createUser(record))) return null
    return this.startSession(record)
  }

  /** Resolves null for an unknown user or a wrong password, indistinguishably. */
  async login(body: CredentialsBody): Promise<AuthSession | null> {
    const record = await this.accounts.getUserByName(body.username.toLowerCase())
    const matches = await verifyPassword(body.password, record?.passwordHash ?? (await this.decoy))
    if (!record || !matches) return null
    return this.startSession(record)
  }

  /** Trades a refresh token for a new pair; a replayed token ends its session. */
  async refresh(refreshToken: unknown): Promise<AuthSession | null> {
    const claims = await verifyToken(this.secret, 'refresh', refreshToken)
    if (!claims) return null
    const session = await this.accounts.getSession(claims.sessionId)
    if (!session || session.userId !== claims.userId) return null
    const now = new Date()
    const expiresAt = new Date(now.getTime() + this.options.sessionTtlSeconds * 1000)
    const advanced = await this.accounts.consumeRefresh(
      session.id,
      claims.generation,
      now.toISOString(),
      expiresAt.toISOString(),
    )
    if (!advanced) {
      if (session.refreshGeneration > claims.generation) await this.endSession(session.id)
      return null
    }
    const user = await this.accounts.getUser(session.userId)
    if (!user) return null
    return this.issue(userOf(user), session.id, claims.generation + 1, expiresAt)
  }

  async logout(principal: Principal): Promise<void> {
    await this.endSession(principal.sessionId)
  }

  /** Logging out with only the refresh token (the access token has expired). */
  async logoutByRefreshToken(refreshToken: unknown): Promise<void> {
    const claims = await verifyToken(this.secret, 'refresh', refreshToken)
    if (claims) await this.endSession(claims.sessionId)
  }

  /** The principal behind an access token, or null when it is invalid, expired or logged out. */
  async authenticate(accessToken: unknown): Promise<Principal | null> {
    const claims = await verifyToken(this.secret, 'access', accessToken)
    if (!claims) return null
    const session = await this.accounts.getSession(claims.sessionId)
    if (!session || session.userId !== claims.userId) return null
    if (Date.parse(session.expiresAt) <= Date.now()) return null
    const user = await this.accounts.getUser(claims.userId)
    return user ? { user: userOf(user), sessionId: session.id } : null
  }

  private async endSession(sessionId: string): Promise<void> {
    await this.accounts.deleteSession(sessionId)
    this.options.onSessionEnded?.(sessionId)
  }

  private async startSession(record: UserRecord): Promise<AuthSession> {
    const now = new Date()
    const expiresAt = new Date(now.getTime() + this.options.sessionTtlSeconds * 1000)
    const sessionId = randomUUID()
    await this.accounts.createSession({
      id: sessionId,
      userId: record.id,
      refreshGeneration: 0,
      createdAt: now.toISOString(),
      expiresAt: expiresAt.toISOString(),
    })
    return this.issue(userOf(record), sessionId, 0, expiresAt)
  }

  private async issue(
    user: User,
    sessionId: string,
    generation: number,
    sessionExpiresAt: Date,
  ): Promise<AuthSession> {
    const accessExpiry = new Date(
      Math.min(Date.now() + this.options.accessTtlSeconds * 1000, sessionExpiresAt.getTime()),
    )
    const claims = { userId: user.id, sessionId, generation }
    const access = await signToken(this.secret, 'access', claims, accessExpiry)
    const refresh = await signToken(this.secret, 'refresh', claims, sessionExpiresAt)
    return {
      user,
      token: access.token,
      expiresAt: access.expiresAt.toISOString(),
      refreshToken: refresh.token,
      refreshExpiresAt: refresh.expiresAt.toISOString(),
    }
  }
}
