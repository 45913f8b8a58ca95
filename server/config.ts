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
  STATIC_DIR: z.string().min(1).default('./dist/client'),
  NODE_ENV: z.string().default('production'),
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
  /** The built web app, served from the same port when the folder exists. */
  readonly staticDir: string
  readonly development: boolean
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
  return Object.freeze({
    port: value.PORT,
    host: value.HOST,
    dataDir: path.resolve(value.DATA_DIR),
    logLevel: value.LOG_LEVEL,
    corsOrigins: Object.freeze([...value.CORS_ORIGINS]),
    sqliteSynchronous: value.SQLITE_SYNCHRONOUS,
    staticDir: path.resolve(value.STATIC_DIR),
    development: value.NODE_ENV === 'development',
  })
}
