/**
 * A real Loresync server on 127.0.0.1, port 0, with its SQLite file in a temp dir. `restart()`
 * closes it and opens a new one on the same data, as a crash-free restart would.
 *
 * Every server has a default user signed in (`token`, `cookie`, `user`): pass the TestServer as
 * the ApiTarget of api-client calls, and `server.token` as a socket's `auth: {token}`.
 */
import path from 'node:path'
import { pino, type Logger } from 'pino'
import type { User } from '../../shared/api.ts'
import { createLoresync, type Loresync } from '../../server/app.ts'
import { loadConfig } from '../../server/config.ts'
import type { AuthLimits } from '../../server/auth/throttle.ts'
import type { AbuseLimits } from '../../server/realtime/abuse-policy.ts'
import type { DocumentStore } from '../../server/storage/store.ts'
import { signIn } from './auth.ts'
import { makeTempDir } from './temp-dir.ts'

export interface TestServerOptions {
  /** Reuse a data folder (e.g. to reopen a server on the same data). */
  readonly dataDir?: string
  /** Wrap or replace the store (latency, failures). */
  readonly store?: (dataDir: string) => DocumentStore
  readonly compactAfterRows?: number
  readonly corsOrigins?: string
  /** Serve the built client from this folder (defaults to ./dist/client when it exists). */
  readonly staticDir?: string
  /** Listen on this port instead of a free one (used to restart on the same address). */
  readonly port?: number
  /** The default user's name (it is created, or logged in on reused data). */
  readonly username?: string
  /** Log somewhere (e.g. to capture output); silent by default. */
  readonly logger?: Logger
  readonly authLimits?: Partial<AuthLimits>
  readonly abuseLimits?: Partial<AbuseLimits>
  /** How long a presence renewal waits for its room's batch (default 5 s). */
  readonly renewalDelayMs?: number
}

export interface TestServer {
  readonly url: string
  readonly port: number
  readonly dataDir: string
  readonly app: Loresync
  /** The default user, signed in. */
  readonly user: User
  readonly token: string
  readonly cookie: string
  close(): Promise<void>
}

/** Tests register many users from one address: the registration brake is lifted by default. */
const TEST_AUTH_LIMITS: Partial<AuthLimits> = {
  registrationsPerAddress: { points: 100_000, seconds: 60 },
}

export const startTestServer = async (options: TestServerOptions = {}): Promise<TestServer> => {
  const temp = options.dataDir === undefined ? await makeTempDir() : undefined
  const dataDir = options.dataDir ?? temp!.path
  const config = loadConfig({
    PORT: String(options.port ?? 0),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    CORS_ORIGINS: options.corsOrigins ?? '',
    STATIC_DIR: options.staticDir ?? path.resolve('dist/client'),
    // The cheapest scrypt cost the server accepts: tests hash many passwords.
    PASSWORD_HASH_COST: '10',
  })
  const app = await createLoresync({
    config,
    logger: options.logger ?? pino({ level: config.logLevel }),
    authLimits: { ...TEST_AUTH_LIMITS, ...options.authLimits },
    ...(options.abuseLimits ? { abuseLimits: options.abuseLimits } : {}),
    ...(options.renewalDelayMs === undefined ? {} : { renewalDelayMs: options.renewalDelayMs }),
    ...(options.store ? { store: options.store(dataDir) } : {}),
    ...(options.compactAfterRows === undefined
      ? {}
      : { compactAfterRows: options.compactAfterRows }),
  })
  const url = await app.listen()
  const owner = await signIn(url, options.username ?? 'test-owner')
  return {
    url,
    port: Number(new URL(url).port),
    dataDir,
    app,
    user: owner.user,
    token: owner.token,
    cookie: owner.cookie,
    async close() {
      await app.close()
      await temp?.remove()
    },
  }
}
