import { HTTP_STATUS, type ErrorCode } from '../../shared/errors.ts'

/** Thrown by routes; turned into `{ error: { code, message } }` with the fitting status. */
export class ApiError extends Error {
  override name = 'ApiError'
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message)
  }

  get status(): number {
    return HTTP_STATUS[this.code]
  }
}
