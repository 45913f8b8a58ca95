/**
 * Checks every incoming message field before it reaches a room: ids have the server's shape,
 * binaries are binary and within bounds. Each check answers with the Failure to send back.
 */
import { toUint8Array } from '../../shared/binary.ts'
import type { Failure } from '../../shared/errors.ts'
import { isId } from '../../shared/ids.ts'
import { fail } from './replies.ts'

export type Checked<T> = { readonly ok: true; readonly value: T } | Failure

export const checkId = (value: unknown, what: string): Checked<string> =>
  isId(value)
    ? { ok: true, value }
    : fail('invalid-request', `${what} must be an id issued by the server (a UUID)`)

export const checkBinary = (
  value: unknown,
  what: string,
  maxBytes: number,
): Checked<Uint8Array> => {
  const bytes = toUint8Array(value)
  if (!bytes) return fail('invalid-request', `${what} must be binary (a Uint8Array)`)
  if (bytes.byteLength === 0) return fail('invalid-request', `${what} must not be empty`)
  if (bytes.byteLength > maxBytes) {
    return fail('too-large', `${what} is ${bytes.byteLength} bytes; the limit is ${maxBytes}`)
  }
  return { ok: true, value: bytes }
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
