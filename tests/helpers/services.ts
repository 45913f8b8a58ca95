/**
 * The PostgreSQL and Redis on this machine, for the tests that need them. A test file asks once
 * whether a service answers. When it does not, the suite is skipped with a warning that says why,
 * except under LORESYNC_REQUIRE_SERVICES=1 (CI), where it fails and names what is missing.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { createClient } from 'redis'
import { describe, it } from 'vitest'
import { quoteSchema } from '../../server/storage/postgres/schema.ts'

export const TEST_DATABASE_URL =
  process.env.LORESYNC_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
export const TEST_REDIS_URL = process.env.LORESYNC_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

const requireServices = process.env.LORESYNC_REQUIRE_SERVICES === '1'

export interface Availability {
  readonly ok: boolean
  /** Why the service is unusable, when it is. */
  readonly reason: string
}

/** Connects once with a short timeout; never throws. */
export const probePostgres = async (url = TEST_DATABASE_URL): Promise<Availability> => {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    await client.query('SELECT 1')
    return { ok: true, reason: '' }
  } catch (error) {
    return { ok: false, reason: `PostgreSQL at ${url} is unreachable: ${String(error)}` }
  } finally {
    // Ending a client that never connected can fail too; the reason above already says why.
    await client.end().catch(() => undefined)
  }
}

/** Connects once with a short timeout and no retries; never throws. */
export const probeRedis = async (url = TEST_REDIS_URL): Promise<Availability> => {
  const client = createClient({ url, socket: { connectTimeout: 3000, reconnectStrategy: false } })
  client.on('error', () => {
    // The failed connect rejects below; this only keeps the error from being unhandled.
  })
  try {
    await client.connect()
    await client.ping()
    return { ok: true, reason: '' }
  } catch (error) {
    return { ok: false, reason: `Redis at ${url} is unreachable: ${String(error)}` }
  } finally {
    if (client.isOpen) await client.close()
  }
}

/**
 * `describe` when the services answer; otherwise a skipped suite and a warning, or (when services
 * are required) a suite with one failing test that names what is missing.
 */
export const describeWithServices = (
  name: string,
  availability: Availability,
  body: () => void,
): void => {
  if (availability.ok) {
    describe(name, body)
    return
  }
  if (requireServices) {
    describe(name, () => {
      it('needs its services (LORESYNC_REQUIRE_SERVICES=1)', () => {
        throw new Error(`${availability.reason}. Start it, or unset LORESYNC_REQUIRE_SERVICES.`)
      })
    })
    return
  }
  console.warn(
    `Skipping "${name}": ${availability.reason}. Set LORESYNC_REQUIRE_SERVICES=1 to fail.`,
  )
  describe.skipIf(true)(name, body)
}

/** A name no other test run uses, valid as a schema name or key prefix. */
export const uniqueName = (prefix: string): string => `${prefix}_${randomBytes(6).toString('hex')}`

/** Drops a schema and everything in it. */
export const dropSchema = async (schema: string, url = TEST_DATABASE_URL): Promise<void> => {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${quoteSchema(schema)} CASCADE`)
  } finally {
    await client.end()
  }
}
