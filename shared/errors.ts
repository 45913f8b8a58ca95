/**
 * Error codes are named data shared by server and client: every failure on the wire or over HTTP
 * carries exactly one of these, so a client can decide what to do without parsing messages.
 */
export const ERROR_CODES = [
  'not-found',
  'invalid-request',
  'unauthenticated',
  'conflict',
  'malformed-update',
  'too-large',
  'not-joined',
  'read-only',
  'forbidden',
  'rate-limited',
  'unavailable',
  'internal',
] as const

export type ErrorCode = (typeof ERROR_CODES)[number]

export interface ErrorPayload {
  readonly code: ErrorCode
  readonly message: string
}

/** What an acknowledgement or HTTP error body carries when something went wrong. */
export interface Failure {
  readonly ok: false
  readonly error: ErrorPayload
}

export const failure = (code: ErrorCode, message: string): Failure => ({
  ok: false,
  error: { code, message },
})

export const isErrorCode = (value: unknown): value is ErrorCode =>
  typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value)

/** The HTTP status that fits each code, so routes and the socket layer agree on severity. */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  'not-found': 404,
  'invalid-request': 400,
  unauthenticated: 401,
  conflict: 409,
  'malformed-update': 400,
  'too-large': 413,
  'not-joined': 409,
  'read-only': 403,
  forbidden: 403,
  'rate-limited': 429,
  unavailable: 503,
  internal: 500,
}
