/**
 * Acknowledgement helpers. A client may emit without an ack callback (or with something that is not
 * a function): replies must never throw because of that.
 */
import { failure, type ErrorCode, type Failure } from '../../shared/errors.ts'

export type Reply<T> = (result: T) => void

export const isFailure = (result: unknown): result is Failure =>
  typeof result === 'object' && result !== null && (result as { ok?: unknown }).ok === false

/**
 * Wraps an acknowledgement callback. `onFailure` sees the code of every failure sent through the
 * reply (the rejected-messages metric), whether or not the client asked for an answer.
 */
export const replyOf = <T>(ack: unknown, onFailure?: (code: ErrorCode) => void): Reply<T> => {
  const send = typeof ack === 'function' ? (ack as (result: T) => void) : undefined
  return (result: T) => {
    if (onFailure && isFailure(result)) onFailure(result.error.code)
    send?.(result)
  }
}

export const fail = (code: ErrorCode, message: string): Failure => failure(code, message)
