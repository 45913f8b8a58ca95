/**
 * Structured JSON logs (pino). Secrets never reach a log line: the usual carriers are redacted
 * wherever they appear in a logged object, and request URLs lose the secret path segments
 * (invite tokens) before they are written.
 */
import { pino, type DestinationStream, type Logger } from 'pino'
import type { LogLevel } from './config.ts'

export type { Logger }

const CENSOR = '[redacted]'

/**
 * `/api/invites/<token>/accept` → `/api/invites/[redacted]/accept`, and the web app's page for an
 * invite link, `/invite/<token>` → `/invite/[redacted]`; query strings dropped.
 */
export const redactUrl = (url: string): string =>
  url.split('?')[0]!.replace(/^(\/api\/invites\/|\/invite\/)[^/]+/, `$1${CENSOR}`)

interface RequestLike {
  readonly method?: string
  readonly url?: string
  readonly ip?: string
  readonly id?: string
}

const serializeRequest = (request: RequestLike) => ({
  id: request.id,
  method: request.method,
  url: typeof request.url === 'string' ? redactUrl(request.url) : undefined,
  remoteAddress: request.ip,
})

export const createLogger = (
  level: LogLevel,
  pretty = false,
  destination?: DestinationStream,
): Logger => {
  const options = {
    level,
    base: { service: 'loresync' },
    serializers: { req: serializeRequest },
    redact: {
      paths: [
        'password',
        'token',
        'refreshToken',
        'cookie',
        'authorization',
        '*.password',
        '*.token',
        '*.refreshToken',
        '*.cookie',
        '*.authorization',
        'req.headers.authorization',
        'req.headers.cookie',
        'res.headers["set-cookie"]',
        'headers.authorization',
        'headers.cookie',
        'headers["set-cookie"]',
        'handshake.auth',
        '*.handshake.auth',
      ],
      censor: CENSOR,
    },
    ...(pretty && !destination
      ? { transport: { target: 'pino-pretty', options: { colorize: true } } }
      : {}),
  }
  return destination ? pino(options, destination) : pino(options)
}
