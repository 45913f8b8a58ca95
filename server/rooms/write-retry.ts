/**
 * Retries a durable write until it commits. A storage outage delays acknowledgements; it never
 * turns into a lost or falsely acknowledged update.
 */
import type { Logger } from 'pino'

export interface RetryOptions {
  readonly logger: Logger
  readonly docId: string
  /** Stop retrying (and reject) once this says so, e.g. the element was deleted. */
  readonly stopped: () => boolean
  readonly initialDelayMs?: number
  readonly maxDelayMs?: number
}

export const retryUntilCommitted = async <T>(
  write: () => Promise<T>,
  { logger, docId, stopped, initialDelayMs = 50, maxDelayMs = 2000 }: RetryOptions,
): Promise<T> => {
  let delay = initialDelayMs
  for (;;) {
    try {
      return await write()
    } catch (error) {
      if (stopped()) throw error
      logger.warn({ err: error, docId, retryInMs: delay }, 'storage write failed; retrying')
      await new Promise((resolve) => setTimeout(resolve, delay))
      delay = Math.min(delay * 2, maxDelayMs)
    }
  }
}
