/**
 * How the realtime handlers answer a socket's message: every refusal is counted in the metrics, and
 * the ones only a broken or hostile client provokes count against the socket (offences.ts).
 */
import type { RealtimeContext } from './context.ts'
import { countsAsOffence } from './offences.ts'
import { ackIdOf, writeAck } from './direct-acks.ts'
import { fail, isFailure, replyOf, type Reply } from './replies.ts'
import type { LoresyncSocket } from './types.ts'

export const TOO_FAST = 'too many messages: slow down (repeated floods disconnect the socket)'

export const RESTARTING =
  'the server is restarting: your changes are kept and sent again when you reconnect'

/**
 * A socket's answer to one message. Successes are written straight to the WebSocket when they can
 * be (direct-acks.ts); failures, and every answer while engine.io has something in flight, go
 * through Socket.IO. Either way a message is answered at most once.
 */
export const replyToSocket = <T>(
  socket: LoresyncSocket,
  { observer, fanout }: RealtimeContext,
  ack: unknown,
): Reply<T> => {
  const viaSocketIo = replyOf<T>(ack, (code) => {
    observer.rejected(code)
    if (countsAsOffence(code)) socket.data.guard.offence()
  })
  const id = ackIdOf(ack)
  if (id === undefined) return viaSocketIo
  let answered = false
  return (result: T) => {
    if (answered) return
    answered = true
    if (!isFailure(result) && writeAck(fanout.encoder, socket, id, [result])) return
    viaSocketIo(result)
  }
}

/** Unknown elements and elements of worlds one is not a member of look the same. */
export const noAccess = (docId: string) =>
  fail('forbidden', `element ${docId} does not exist or you are not a member of its world`)
