/**
 * How the realtime handlers answer a socket's message: every refusal is counted in the metrics, and
 * the ones only a broken or hostile client provokes count against the socket (offences.ts).
 */
import type { RealtimeContext } from './context.ts'
import { countsAsOffence } from './offences.ts'
import { fail, replyOf, type Reply } from './replies.ts'
import type { LoresyncSocket } from './types.ts'

export const TOO_FAST = 'too many messages: slow down (repeated floods disconnect the socket)'

export const RESTARTING =
  'the server is restarting: your changes are kept and sent again when you reconnect'

export const replyToSocket = <T>(
  socket: LoresyncSocket,
  { observer }: RealtimeContext,
  ack: unknown,
): Reply<T> =>
  replyOf<T>(ack, (code) => {
    observer.rejected(code)
    if (countsAsOffence(code)) socket.data.guard.offence()
  })

/** Unknown elements and elements of worlds one is not a member of look the same. */
export const noAccess = (docId: string) =>
  fail('forbidden', `element ${docId} does not exist or you are not a member of its world`)
