/**
 * Builds the security services from the configuration: accounts and sessions, world access,
 * login throttling and socket abuse limits, and connects membership changes and ended sessions to
 * the sockets they concern. The composition root calls this once and hands the parts down.
 */
import path from 'node:path'
import type { Config } from '../config.ts'
import { AuthService } from '../auth/auth-service.ts'
import { DEFAULT_SCRYPT_COST } from '../auth/passwords.ts'
import { loadAuthSecret } from '../auth/secret.ts'
import { AuthThrottle, DEFAULT_AUTH_LIMITS, type AuthLimits } from '../auth/throttle.ts'
import { AbusePolicy, type AbuseLimits } from '../realtime/abuse-policy.ts'
import { applyMembershipChange, endSessionSockets } from '../realtime/access-changes.ts'
import type { LoresyncServer } from '../realtime/types.ts'
import type { RoomRegistry } from '../rooms/room-registry.ts'
import { isAccountStore, type AccountStore } from '../storage/account-store.ts'
import { openSqliteStore } from '../storage/sqlite/sqlite-store.ts'
import type { DocumentStore } from '../storage/store.ts'
import { WorldAccess } from './world-access.ts'

export interface SecurityOptions {
  readonly config: Config
  readonly store: DocumentStore
  /** Defaults to `store` when it keeps accounts (SqliteStore and PostgresStore do). */
  readonly accounts?: AccountStore
  readonly authLimits?: Partial<AuthLimits>
  readonly abuseLimits?: Partial<AbuseLimits>
  /** Filled once the socket server and rooms exist. */
  readonly io: () => LoresyncServer | undefined
  readonly registry: () => RoomRegistry | undefined
}

export interface Security {
  readonly accounts: AccountStore
  readonly auth: AuthService
  readonly access: WorldAccess
  readonly throttle: AuthThrottle
  readonly abuse: AbusePolicy
  /** Closes what `createSecurity` opened itself (a second connection for accounts). */
  close(): Promise<void>
}

/**
 * The store that keeps accounts: the given one, the document store itself, or (when the document
 * store is a test wrapper around the SQLite file) a second connection to that same file.
 */
const accountsFor = (
  options: SecurityOptions,
): { accounts: AccountStore; close: () => Promise<void> } => {
  if (options.accounts) return { accounts: options.accounts, close: async () => {} }
  if (isAccountStore(options.store)) return { accounts: options.store, close: async () => {} }
  if (options.config.databaseUrl !== null) {
    throw new Error(
      'the document store given does not keep accounts and DATABASE_URL is set: ' +
        'pass `accounts` (the PostgresStore it wraps) along with it',
    )
  }
  const sqlite = openSqliteStore({
    file: path.join(options.config.dataDir, 'loresync.sqlite'),
    synchronous: options.config.sqliteSynchronous,
  })
  return { accounts: sqlite, close: () => sqlite.close() }
}

/** The abuse windows the environment sets (RATE_LIMIT_*); sizes are fixed, counts configurable. */
const configuredAbuseLimits = ({ rateLimits }: Config): Partial<AbuseLimits> => ({
  messagesPerSocket: { points: rateLimits.socketMessages, seconds: 10 },
  messagesPerAddress: { points: rateLimits.addressMessages, seconds: 10 },
  connectionsPerAddress: { points: rateLimits.connections, seconds: 60 },
})

export const createSecurity = (options: SecurityOptions): Security => {
  const { config } = options
  const { accounts, close } = accountsFor(options)
  const auth = new AuthService({
    accounts,
    secret: loadAuthSecret(config.authSecret, config.dataDir),
    accessTtlSeconds: config.accessTtlSeconds,
    sessionTtlSeconds: config.sessionTtlSeconds,
    passwordCost: { ...DEFAULT_SCRYPT_COST, logN: config.passwordHashCost },
    onSessionEnded: (sessionId) => {
      const io = options.io()
      if (io) endSessionSockets(io, sessionId)
    },
  })
  const access = new WorldAccess({
    accounts,
    // One process on its own SQLite file (the data folder is locked) sees every membership change
    // itself; with PostgreSQL other nodes make them too.
    localMemberships: config.databaseUrl === null && options.accounts === undefined,
    onMembershipChanged: (worldId, userId, role) => {
      const io = options.io()
      const registry = options.registry()
      if (io && registry) applyMembershipChange(io, registry, { worldId, userId, role })
    },
  })
  return {
    accounts,
    auth,
    access,
    throttle: new AuthThrottle({ ...DEFAULT_AUTH_LIMITS, ...options.authLimits }),
    // Explicit options (tests) override the configured limits.
    abuse: new AbusePolicy({ ...configuredAbuseLimits(config), ...options.abuseLimits }),
    close,
  }
}
