/**
 * A real Loresync server on 127.0.0.1, port 0, with its SQLite file in a temp dir. `restart()`
 * closes it and opens a new one on the same data, as a crash-free restart would.
 */
import path from 'node:path'
import { pino } from 'pino'
import { createLoresync, type Loresync } from '../../server/app.ts'
import { loadConfig } from '../../server/config.ts'
import type { DocumentStore } from '../../server/storage/store.ts'
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
}

export interface TestServer {
  readonly url: string
  readonly port: number
  readonly dataDir: string
  readonly app: Loresync
  close(): Promise<void>
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
  })
  const app = await createLoresync({
    config,
    logger: pino({ level: config.logLevel }),
    ...(options.store ? { store: options.store(dataDir) } : {}),
    ...(options.compactAfterRows === undefined
      ? {}
      : { compactAfterRows: options.compactAfterRows }),
  })
  const url = await app.listen()
  return {
    url,
    port: Number(new URL(url).port),
    dataDir,
    app,
    async close() {
      await app.close()
      await temp?.remove()
    },
  }
}
