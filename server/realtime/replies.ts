/**
 * Acknowledgement helpers. A client may emit without an ack callback (or with something that is not
 * a function): replies must never throw because of that.
 */
import { failure, type ErrorCode, type Failure } from '../../shared/errors.ts'

export type Reply<T> = (result: T) => void

export const replyOf = <T>(ack: unknown): Reply<T> =>
  typeof ack === 'function' ? (result: T) => (ack as (result: T) => void)(result) : () => {}

export const fail = (code: ErrorCode, message: string): Failure => failure(code, message)
