/**
 * `npm start` entry point: read the configuration, start Loresync, stop it cleanly on SIGTERM or
 * SIGINT. A second signal while stopping does not start a second shutdown.
 */
import { ConfigError, loadConfig } from './config.ts'
import { createLoresync } from './app.ts'
import { createLogger } from './logger.ts'

const main = async (): Promise<void> => {
  let config
  try {
    config = loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message)
      process.exit(1)
    }
    throw error
  }
  const logger = createLogger(config.logLevel, config.development)
  const app = await createLoresync({ config, logger })
  const url = await app.listen()
  logger.info({ url, dataDir: config.dataDir }, `Loresync is ready at ${url}`)

  let stopping = false
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'already shutting down')
      return
    }
    stopping = true
    logger.info({ signal }, 'shutting down')
    const deadline = setTimeout(() => {
      logger.error('shutdown took longer than 10 s; exiting')
      process.exit(1)
    }, 10_000)
    deadline.unref()
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

main().catch((error: unknown) => {
  console.error('Loresync failed to start:', error)
  process.exit(1)
})
