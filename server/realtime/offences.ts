/**
 * Which refusals count against a socket. What a correct client can run into in normal use (a
 * document it was just removed from, a server restart) does not; what only a broken or hostile
 * client sends does, and enough of it within the window disconnects the socket.
 */
import type { ErrorCode } from '../../shared/errors.ts'

const OFFENCES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'invalid-request',
  'malformed-update',
  'too-large',
  'read-only',
  'forbidden',
  'rate-limited',
])

export const countsAsOffence = (code: ErrorCode): boolean => OFFENCES.has(code)
