/**
 * The one module that reads the environment. Every setting is validated here, with its default,
 * and handed down as a frozen object; a bad value stops start-up with a message that names the
 * variable and says what it accepts.
 */
import path from 'node:path'
import { z } from 'zod'

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const

const origin = z.string().transform((value, ctx) => {
  try {
    const url = new URL(value)
    if ((url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value) {
      return url.origin
    }
  } catch {
    // fall through to the issue below
  }
  ctx.addIssue({
    code: 'custom',
    message: `"${value}" is not an origin like https://example.org (scheme, host, optional port, no path)`,
  })
  return z.NEVER
})

/** An optional connection URL whose scheme must be one of `protocols`; absent means "not used". */
function serviceUrl(protocols: readonly string[], example: string) {
  return z
    .string()
    .refine((value) => {
      try {
        return protocols.includes(new URL(value).protocol)
      } catch {
        return false
      }
    }, `must be a URL like ${example}`)
    .optional()
}

const positiveCount = () =>
  z.coerce
    .number()
    .int()
    .min(1, 'must be a positive integer')
    .max(1_000_000_000, 'must be at most 1000000000')

const schema = z.object({
  PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65535, 'must be a port number from 0 to 65535')
    .default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part.length > 0),
    )
    .pipe(z.array(origin)),
  SQLITE_SYNCHRONOUS: z.enum(['full', 'normal']).default('full'),
  SQLITE_WRITER_THREAD: z
    .enum(['on', 'off'], { message: "must be 'on' or 'off'" })
    .default('off')
    .transform((value) => value === 'on'),
  COMPACT_AFTER_ROWS: z.coerce.number().int().min(1, 'must be a positive integer').default(500),
  STATIC_DIR: z.string().min(1).default('./dist/client'),
  NODE_ENV: z.string().default('production'),
  AUTH_SECRET: z
    .string()
    .min(32, 'must be at least 32 characters (e.g. `openssl rand -base64 32`)')
    .optional(),
  AUTH_ACCESS_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(24 * 3600, 'must be from 60 to 86400 seconds')
    .default(3600),
  AUTH_SESSION_TTL_DAYS: z.coerce
    .number()
    .int()
    .min(1)
    .max(365, 'must be from 1 to 365 days')
    .default(30),
  PASSWORD_HASH_COST: z.coerce
    .number()
    .int()
    .min(10)
    .max(20, 'must be log2 of the scrypt cost, from 10 to 20')
    .default(15),
  DATABASE_URL: serviceUrl(['postgres:', 'postgresql:'], 'postgres://user:password@host:5432/db'),
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case schema name (letters, digits, _)')
    .default('public'),
  DATABASE_POOL_SIZE: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000, 'must be a connection count from 1 to 1000')
    .default(10),
  REDIS_URL: serviceUrl(['redis:', 'rediss:'], 'redis://host:6379'),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_:.-]{1,64}$/, 'must be 1–64 letters, digits, _ : . or -')
    .default('loresync'),
  // The defaults are those of server/realtime/abuse-policy.ts DEFAULT_ABUSE_LIMITS.
  RATE_LIMIT_SOCKET_MESSAGES: positiveCount().default(2000),
  RATE_LIMIT_ADDRESS_MESSAGES: positiveCount().default(10_000),
  RATE_LIMIT_CONNECTIONS: positiveCount().default(300),
})

export type LogLevel = (typeof LOG_LEVELS)[number]

export interface Config {
  readonly port: number
  readonly host: string
  readonly dataDir: string
  readonly logLevel: LogLevel
  /** Origins allowed besides the server's own. */
  readonly corsOrigins: readonly string[]
  readonly sqliteSynchronous: 'full' | 'normal'
  /** Commit the update log on a worker thread (docs/architecture.md, "Storage"). */
  readonly sqliteWriterThread: boolean
  /** Compact a document's update log into its snapshot once it holds this many rows. */
  readonly compactAfterRows: number
  /** The built web app, served from the same port when the folder exists. */
  readonly staticDir: string
  readonly development: boolean
  /** Signs session tokens; null means "use (or create) DATA_DIR/auth-secret". */
  readonly authSecret: string | null
  /** Lifetime of an access token (and its cookie). */
  readonly accessTtlSeconds: number
  /** Lifetime of a session without a refresh; each refresh extends it again. */
  readonly sessionTtlSeconds: number
  /** log2 of scrypt's N for new password hashes (existing hashes keep their own). */
  readonly passwordHashCost: number
  /** PostgreSQL connection string; null keeps the embedded SQLite store. */
  readonly databaseUrl: string | null
  /** The PostgreSQL schema holding Loresync's tables (created if missing). */
  readonly databaseSchema: string
  /** Most PostgreSQL connections this process opens. */
  readonly databasePoolSize: number
  /** Redis connection string; set, it turns on multi-node mode. */
  readonly redisUrl: string | null
  /** Prefix of every Redis key and channel this deployment uses (several may share one Redis). */
  readonly redisKeyPrefix: string
  /** Socket abuse limits (server/realtime/abuse-policy.ts); raised for load benchmarks. */
  readonly rateLimits: RateLimits
}

export interface RateLimits {
  /** Messages one socket may send per 10 seconds. */
  readonly socketMessages: number
  /** Messages all sockets of one client address may send per 10 seconds. */
  readonly addressMessages: number
  /** Connection attempts one client address may make per minute. */
  readonly connections: number
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

/** Reads and validates `env`; throws ConfigError naming every bad variable. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Config => {
  const input = Object.fromEntries(
    Object.keys(schema.shape).map((key) => [key, env[key] === '' ? undefined : env[key]]),
  )
  // CORS_ORIGINS may legitimately be empty: keep the empty string so it means "none".
  if (env.CORS_ORIGINS === '') input.CORS_ORIGINS = ''
  const parsed = schema.safeParse(input)
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (issue) => `  ${issue.path.join('.') || '(environment)'}: ${issue.message}`,
    )
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`)
  }
  const value = parsed.data
  // Without a shared key every node signs with its own DATA_DIR/auth-secret, and a token issued by
  // one node is refused by the next one the load balancer picks.
  if (value.REDIS_URL !== undefined && value.AUTH_SECRET === undefined) {
    throw new ConfigError(
      'Invalid configuration:\n  AUTH_SECRET: must be set when REDIS_URL is (every node must ' +
        'verify the tokens the others sign); give all nodes the same `openssl rand -base64 32`',
    )
  }
  return Object.freeze({
    port: value.PORT,
    host: value.HOST,
    dataDir: path.resolve(value.DATA_DIR),
    logLevel: value.LOG_LEVEL,
    corsOrigins: Object.freeze([...value.CORS_ORIGINS]),
    sqliteSynchronous: value.SQLITE_SYNCHRONOUS,
    sqliteWriterThread: value.SQLITE_WRITER_THREAD,
    compactAfterRows: value.COMPACT_AFTER_ROWS,
    staticDir: path.resolve(value.STATIC_DIR),
    development: value.NODE_ENV === 'development',
    authSecret: value.AUTH_SECRET ?? null,
    accessTtlSeconds: value.AUTH_ACCESS_TTL_SECONDS,
    sessionTtlSeconds: value.AUTH_SESSION_TTL_DAYS * 24 * 3600,
    passwordHashCost: value.PASSWORD_HASH_COST,
    databaseUrl: value.DATABASE_URL ?? null,
    databaseSchema: value.DATABASE_SCHEMA,
    databasePoolSize: value.DATABASE_POOL_SIZE,
    redisUrl: value.REDIS_URL ?? null,
    redisKeyPrefix: value.REDIS_KEY_PREFIX,
    rateLimits: Object.freeze({
      socketMessages: value.RATE_LIMIT_SOCKET_MESSAGES,
      addressMessages: value.RATE_LIMIT_ADDRESS_MESSAGES,
      connections: value.RATE_LIMIT_CONNECTIONS,
    }),
  })
}
