/**
 * Picks the store the configuration asks for: PostgreSQL when DATABASE_URL is set (several nodes
 * can share it), otherwise the embedded SQLite file in DATA_DIR (which the caller has created).
 */
import type { Logger } from 'pino'
import type { Config } from '../config.ts'
import { databaseFile } from '../lifecycle/data-dir.ts'
import { openPostgresStore } from './postgres/postgres-store.ts'
import { openSqliteStore } from './sqlite/sqlite-store.ts'
import type { DocumentStore } from './store.ts'

export type StoreConfig = Pick<
  Config,
  | 'dataDir'
  | 'sqliteSynchronous'
  | 'sqliteWriterThread'
  | 'databaseUrl'
  | 'databaseSchema'
  | 'databasePoolSize'
>

export const openStore = async (config: StoreConfig, logger: Logger): Promise<DocumentStore> => {
  if (config.databaseUrl !== null) {
    return openPostgresStore({
      url: config.databaseUrl,
      schema: config.databaseSchema,
      poolSize: config.databasePoolSize,
      onIdleError: (error) =>
        logger.warn({ err: error }, 'an idle PostgreSQL connection failed; it will be replaced'),
    })
  }
  return openSqliteStore({
    file: databaseFile(config.dataDir),
    synchronous: config.sqliteSynchronous,
    writerThread: config.sqliteWriterThread,
  })
}
