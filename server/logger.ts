/**
 * Structured JSON logs (pino). Secrets never reach a log line: the usual carriers are redacted
 * wherever they appear in a logged object.
 */
import { pino, type Logger } from 'pino'
import type { LogLevel } from './config.ts'

export type { Logger }

export const createLogger = (level: LogLevel, pretty = false): Logger =>
  pino({
    level,
    base: { service: 'loresync' },
    redact: {
      paths: [
        'password',
        'token',
        '*.password',
        '*.token',
        'req.headers.authorization',
        'req.headers.cookie',
        'headers.authorization',
        'headers.cookie',
      ],
      censor: '[redacted]',
    },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true } } } : {}),
  })
