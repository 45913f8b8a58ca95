/**
 * `doc:*` events: join with a state-vector handshake, updates (whole or chunked) acknowledged only
 * after commit, and leave. Every message is validated before it touches a room.
 */
import type { Failure } from '../../shared/errors.ts'
import { MAX_MESSAGE_BYTES } from '../../shared/limits.ts'
import { docRoom, type AckResult, type JoinResult } from '../../shared/protocol.ts'
import { MalformedUpdateError, type Room } from '../rooms/room.ts'
import { ElementNotFoundError } from '../rooms/room-registry.ts'
import { ChunkAssembler } from './chunk-assembler.ts'
import type { RealtimeContext } from './context.ts'
import { fail, replyOf, type Reply } from './replies.ts'
import { guarded } from './boundary.ts'
import type { LoresyncSocket } from './types.ts'
import { checkBinary, checkId, isRecord } from './validate.ts'

export const registerDocHandlers = (socket: LoresyncSocket, context: RealtimeContext): void => {
  const { registry, logger } = context
  const chunks = new ChunkAssembler()
  const log = logger.child({ socketId: socket.id })

  /** The room this socket has joined for `docId`, or the failure to answer with. */
  const joinedRoom = (docId: string): Room | Failure => {
    const room = registry.get(docId)
    if (!room || !socket.data.docs.has(docId) || !room.hasMember(socket.id)) {
      return fail('not-joined', `join element ${docId} with doc:join before sending to it`)
    }
    return room
  }

  const applyIncoming = (room: Room, update: Uint8Array, reply: Reply<AckResult>): void => {
    let applied
    try {
      applied = room.applyClientUpdate(socket.id, update)
    } catch (error) {
      if (error instanceof MalformedUpdateError) {
        log.info({ docId: room.docId, reason: error.message }, 'malformed update refused')
        reply(fail('malformed-update', `the update was refused: ${error.message}`))
        return
      }
      throw error
    }
    if (applied.effective) {
      socket.to(docRoom(room.docId)).emit('doc:update', room.docId, applied.effective)
    }
    registry.persist(room, applied).then(
      () => reply({ ok: true }),
      (error: unknown) => {
        log.error({ err: error, docId: room.docId }, 'update could not be stored')
        reply(fail('unavailable', 'the update could not be stored; it will be resent on rejoin'))
      },
    )
  }

  socket.on(
    'doc:join',
    guarded(log, 'doc:join', async (request: unknown, ack: unknown) => {
      const reply = replyOf<JoinResult>(ack)
      if (!isRecord(request))
        return reply(fail('invalid-request', 'doc:join takes {docId, stateVector}'))
      const docId = checkId(request.docId, 'docId')
      if (!docId.ok) return reply(docId)
      const vector = checkBinary(request.stateVector, 'stateVector', MAX_MESSAGE_BYTES)
      if (!vector.ok) return reply(vector)
      let room: Room
      try {
        room = await registry.join(docId.value, socket.id)
      } catch (error) {
        if (error instanceof ElementNotFoundError) {
          return reply(fail('not-found', `element ${docId.value} does not exist`))
        }
        log.error({ err: error, docId: docId.value }, 'element could not be loaded')
        return reply(fail('unavailable', 'the element could not be loaded; try again'))
      }
      if (socket.disconnected) {
        registry.leave(room, socket.id)
        return
      }
      let update: Uint8Array
      try {
        update = room.diffFor(vector.value)
      } catch (error) {
        if (!socket.data.docs.has(docId.value)) registry.leave(room, socket.id)
        const message = error instanceof Error ? error.message : String(error)
        return reply(fail('malformed-update', message))
      }
      socket.data.docs.add(docId.value)
      await socket.join(docRoom(docId.value))
      reply({
        ok: true,
        role: 'editor',
        update,
        stateVector: room.encodeStateVector(),
        awareness: room.encodeAwareness(),
      })
    }),
  )

  socket.on(
    'doc:update',
    guarded(log, 'doc:update', (rawDocId: unknown, rawUpdate: unknown, ack: unknown) => {
      const reply = replyOf<AckResult>(ack)
      const docId = checkId(rawDocId, 'docId')
      if (!docId.ok) return reply(docId)
      const update = checkBinary(rawUpdate, 'update', MAX_MESSAGE_BYTES)
      if (!update.ok) return reply(update)
      const room = joinedRoom(docId.value)
      if ('ok' in room) return reply(room)
      applyIncoming(room, update.value, reply)
    }),
  )

  socket.on(
    'doc:update-chunk',
    guarded(log, 'doc:update-chunk', (rawDocId: unknown, chunk: unknown, ack: unknown) => {
      const reply = replyOf<AckResult>(ack)
      const docId = checkId(rawDocId, 'docId')
      if (!docId.ok) return reply(docId)
      const room = joinedRoom(docId.value)
      if ('ok' in room) return reply(room)
      const result = chunks.accept(docId.value, chunk)
      if (!result.ok) return reply(result)
      if (result.value === null) return reply({ ok: true })
      applyIncoming(room, result.value, reply)
    }),
  )

  const leaveDoc = (docId: string): void => {
    socket.data.docs.delete(docId)
    chunks.dropAll(docId)
    void socket.leave(docRoom(docId))
    const room = registry.get(docId)
    if (!room) return
    const removal = registry.leave(room, socket.id)
    if (removal) context.io.to(docRoom(docId)).emit('awareness:update', docId, removal)
  }

  socket.on(
    'doc:leave',
    guarded(log, 'doc:leave', (rawDocId: unknown) => {
      const docId = checkId(rawDocId, 'docId')
      if (docId.ok && socket.data.docs.has(docId.value)) leaveDoc(docId.value)
    }),
  )

  socket.on(
    'disconnect',
    guarded(log, 'disconnect', () => {
      chunks.dropAll()
      for (const docId of [...socket.data.docs]) leaveDoc(docId)
    }),
  )
}
