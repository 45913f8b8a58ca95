/**
 * `awareness:update`: presence takes the same road as document updates without the log. Only the
 * entries for awareness ids this socket owns are applied and relayed.
 */
import { MAX_AWARENESS_BYTES } from '../../shared/limits.ts'
import { docRoom } from '../../shared/protocol.ts'
import { MalformedAwarenessError } from '../rooms/awareness-filter.ts'
import type { RealtimeContext } from './context.ts'
import { guarded } from './boundary.ts'
import type { LoresyncSocket } from './types.ts'
import { checkBinary, checkId } from './validate.ts'

export const registerAwarenessHandlers = (
  socket: LoresyncSocket,
  { registry, logger }: RealtimeContext,
): void => {
  socket.on(
    'awareness:update',
    guarded(logger, 'awareness:update', (rawDocId: unknown, rawUpdate: unknown) => {
      const docId = checkId(rawDocId, 'docId')
      if (!docId.ok) return
      const room = registry.get(docId.value)
      if (!room || !socket.data.docs.has(docId.value) || !room.hasMember(socket.id)) {
        socket.emit('doc:error', docId.value, {
          code: 'not-joined',
          message: 'join the element before sending awareness',
        })
        return
      }
      const update = checkBinary(rawUpdate, 'awareness update', MAX_AWARENESS_BYTES)
      if (!update.ok) {
        socket.emit('doc:error', docId.value, update.error)
        return
      }
      try {
        const relayed = room.applyClientAwareness(socket.id, update.value)
        if (relayed) socket.to(docRoom(docId.value)).emit('awareness:update', docId.value, relayed)
      } catch (error) {
        if (!(error instanceof MalformedAwarenessError)) throw error
        logger.info({ socketId: socket.id, docId: docId.value }, 'malformed awareness refused')
        socket.emit('doc:error', docId.value, { code: 'malformed-update', message: error.message })
      }
    }),
  )
}
