/**
 * One transaction on one pooled connection. Resolves after COMMIT returned, which with PostgreSQL's
 * default `synchronous_commit = on` means the WAL is flushed: the work is durable.
 *
 * On failure the transaction is rolled back and the original error rethrown. A connection whose
 * ROLLBACK failed is in an unknown state, so it is destroyed instead of going back to the pool.
 */
import type { Pool, PoolClient } from 'pg'

export const withClient = async <T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> => {
  const client = await pool.connect()
  let broken: Error | undefined
  try {
    return await work(client)
  } catch (error) {
    broken = await rollbackAfter(client)
    throw error
  } finally {
    client.release(broken)
  }
}

export const inTransaction = <T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
  begin = 'BEGIN',
): Promise<T> =>
  withClient(pool, async (client) => {
    await client.query(begin)
    const result = await work(client)
    await client.query('COMMIT')
    return result
  })

/** Ends whatever transaction `client` may be in; returns the error if even that failed. */
const rollbackAfter = async (client: PoolClient): Promise<Error | undefined> => {
  try {
    // Outside a transaction this is a harmless warning.
    await client.query('ROLLBACK')
    return undefined
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error))
  }
}
