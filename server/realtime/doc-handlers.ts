/**
 * `doc:*` events: join (doc-join.ts), updates (whole, chunked, or with their caret as
 * `doc:change`) acknowledged only after commit, and leave. Every message is validated before it
 * touches a room.
 *
 * The handlers are built once per server and registered as shared listeners on every socket
 * (boundary.ts `socketListener`): per-socket state lives in `socket.data`, so an idle connection
 * holds no closures of its own.
 */
import type { Failure } from '../../shared/errors.ts'
import { MAX_MESSAGE_BYTES } from '../../shared/limits.ts'
import { docRoom, type AckResult } from '../../shared/protocol.ts'
import { canWrite } from '../../shared/roles.ts'
import {
  ForgedIdentityError,
  MalformedUpdateError,
  type AdmittedAwareness,
  type Room,
} from '../rooms/room.ts'
import { admitAwareness } from './awareness-handlers.ts'
import { relayToOthers } from './relay.ts'
import { socketListener, type SocketListener } from './boundary.ts'
import { ChunkAssembler } from './chunk-assembler.ts'
import type { RealtimeContext } from './context.ts'
import { joinHandler } from './doc-join.ts'
import { announcePresence } from './element-presence.ts'
import { fail, type Reply } from './replies.ts'
import { replyToSocket, RESTARTING, TOO_FAST } from './socket-replies.ts'
import type { LoresyncSocket } from './types.ts'
import { checkBinary, checkId } from './validate.ts'

/** The socket's role in a joined element allows writing, or the failure to answer with. */
const writeRefusal = (socket: LoresyncSocket, docId: string): Failure | null => {
  const role = socket.data.docs.get(docId)
  if (role !== undefined && canWrite(role)) return null
  return fail('read-only', `you are a viewer of element ${docId}: your changes are not accepted`)
}

/** The doc handlers of one server, shared by all its sockets (socket-server.ts registers them). */
export interface DocHandlers {
  /** Listeners by client event name. */
  readonly events: Readonly<Record<string, SocketListener<LoresyncSocket>>>
  readonly onDisconnect: SocketListener<LoresyncSocket>
  /** Prepares a new socket's state for these handlers. */
  readonly attach: (socket: LoresyncSocket) => void
}

export const docHandlers = (context: RealtimeContext): DocHandlers => {
  const { registry, logger, observer, inFlight } = context

  /** The room this socket has joined for `docId`, or the failure to answer with. */
  const joinedRoom = (socket: LoresyncSocket, docId: string): Room | Failure => {
    const room = registry.get(docId)
    if (!room || !socket.data.docs.has(docId) || !room.hasMember(socket.id)) {
      return fail('not-joined', `join element ${docId} with doc:join before sending to it`)
    }
    return room
  }

  /**
   * What follows the relay of a `doc:change`'s caret, whatever became of its edit: the room holds
   * the caret only now, so its recipients did not wait for that bookkeeping, and held renewals of
   * the same ids add nothing any more.
   */
  const holdCaret = (socket: LoresyncSocket, room: Room, caret: AdmittedAwareness | null): void => {
    if (!caret) return
    room.holdAwareness(socket.id, caret)
    context.renewals.supersede(room, caret.clientIds)
  }

  /**
   * Refuses an edit: its caret (if any) is still relayed and held, as for `awareness:update`.
   */
  const refuseKeepingCaret = (
    socket: LoresyncSocket,
    room: Room,
    caret: AdmittedAwareness | null,
    reply: Reply<AckResult>,
    failure: Failure,
  ): void => {
    relayToOthers(context, socket, room.docId, null, caret?.update ?? null)
    holdCaret(socket, room, caret)
    reply(failure)
  }

  /**
   * Applies, broadcasts (with `caret`, the awareness frame relayed along with it, if any),
   * persists, then acknowledges. `receivedAt` is when the message (or its last chunk) arrived. The
   * whole path is tracked in `inFlight`, so a graceful shutdown closes the connection only after
   * the acknowledgement has been handed to the socket.
   */
  const applyIncoming = (
    socket: LoresyncSocket,
    room: Room,
    update: Uint8Array,
    reply: Reply<AckResult>,
    receivedAt: number,
    caret: AdmittedAwareness | null = null,
  ): void => {
    const { docId } = room
    const refuse = (failure: Failure): void =>
      refuseKeepingCaret(socket, room, caret, reply, failure)
    const { maxDocumentBytes } = socket.data.guard.limits
    if (room.storedBytes + update.byteLength > maxDocumentBytes) {
      refuse(fail('too-large', `element ${docId} is at its size limit (${maxDocumentBytes} bytes)`))
      return
    }
    let integrated
    try {
      integrated = room.integrateClientUpdate(socket.id, update)
    } catch (error) {
      const socketId = socket.id
      if (error instanceof MalformedUpdateError) {
        logger.info({ socketId, docId, reason: error.message }, 'malformed update refused')
        refuse(fail('malformed-update', `the update was refused: ${error.message}`))
        return
      }
      if (error instanceof ForgedIdentityError) {
        logger.warn({ socketId, docId, reason: error.message }, 'forged client id refused')
        refuse(fail('forbidden', `the update was refused: ${error.message}`))
        return
      }
      throw error
    }
    observer.updateReceived()
    // Relayed as soon as the room has integrated it; what only this server needs (the caret's
    // state, the indexed fields) waits until the frames are written.
    relayToOthers(context, socket, docId, integrated.effective ?? null, caret?.update ?? null)
    holdCaret(socket, room, caret)
    const applied = room.withFieldChanges(integrated)
    // Only what the server's doc added on its own (formatting cleanup) goes back to the sender.
    if (applied.echo) socket.emit('doc:update', docId, applied.echo)
    void inFlight.track(
      registry.persist(room, applied).then(
        () => {
          reply({ ok: true })
          observer.acknowledged((performance.now() - receivedAt) / 1000)
        },
        (error: unknown) => {
          logger.error({ err: error, socketId: socket.id, docId }, 'update could not be stored')
          reply(fail('unavailable', 'the update could not be stored; it will be resent on rejoin'))
        },
      ),
    )
  }

  /**
   * `doc:update`, and `doc:change` when `withAwareness` holds the awareness half (the caret that
   * moved with the edit): that half is handled like `awareness:update`, the update like
   * `doc:update`, each accepted or refused on its own.
   */
  const receiveUpdate = async (
    socket: LoresyncSocket,
    rawDocId: unknown,
    rawUpdate: unknown,
    ack: unknown,
    withAwareness: { readonly raw: unknown } | null,
  ): Promise<void> => {
    const receivedAt = performance.now()
    const reply = replyToSocket<AckResult>(socket, context, ack)
    if (!socket.data.guard.admit()) return reply(fail('rate-limited', TOO_FAST))
    if (context.closing()) return reply(fail('unavailable', RESTARTING))
    const docId = checkId(rawDocId, 'docId')
    if (!docId.ok) return reply(docId)
    const update = checkBinary(rawUpdate, 'update', MAX_MESSAGE_BYTES)
    if (!update.ok) return reply(update)
    const room = joinedRoom(socket, docId.value)
    if ('ok' in room) return reply(room)
    const caret = withAwareness ? admitAwareness(socket, context, room, withAwareness.raw) : null
    const refusal = writeRefusal(socket, docId.value)
    if (refusal) return refuseKeepingCaret(socket, room, caret, reply, refusal)
    applyIncoming(socket, room, update.value, reply, receivedAt, caret)
  }

  const receiveChunk = async (
    socket: LoresyncSocket,
    rawDocId: unknown,
    chunk: unknown,
    ack: unknown,
  ): Promise<void> => {
    const receivedAt = performance.now()
    const reply = replyToSocket<AckResult>(socket, context, ack)
    if (!socket.data.guard.admit()) return reply(fail('rate-limited', TOO_FAST))
    if (context.closing()) {
      // A half-received transfer can never complete now; the client resends it whole.
      socket.data.chunks?.dropAll()
      return reply(fail('unavailable', RESTARTING))
    }
    const docId = checkId(rawDocId, 'docId')
    if (!docId.ok) return reply(docId)
    const room = joinedRoom(socket, docId.value)
    if ('ok' in room) return reply(room)
    const refusal = writeRefusal(socket, docId.value)
    if (refusal) return reply(refusal)
    // Created on first use: most sockets never send an update large enough to be chunked.
    const chunks = (socket.data.chunks ??= new ChunkAssembler())
    const result = chunks.accept(docId.value, chunk)
    if (!result.ok) return reply(result)
    if (result.value === null) return reply({ ok: true })
    applyIncoming(socket, room, result.value, reply, receivedAt)
  }

  const leaveDocument = (socket: LoresyncSocket, docId: string): void => {
    socket.data.docs.delete(docId)
    socket.data.chunks?.dropAll(docId)
    void socket.leave(docRoom(docId))
    const room = registry.get(docId)
    if (!room) return
    const removal = registry.leave(room, socket.id)
    if (removal) context.io.to(docRoom(docId)).emit('awareness:update', docId, removal)
    announcePresence(context.io, room, { multiNode: context.multiNode })
  }

  const onJoin = socketListener(logger, 'doc:join', joinHandler(context))
  const onUpdate = socketListener<LoresyncSocket>(logger, 'doc:update', (socket, id, update, ack) =>
    receiveUpdate(socket, id, update, ack, null),
  )
  const onChange = socketListener<LoresyncSocket>(
    logger,
    'doc:change',
    (socket, id, update, awareness, ack) =>
      receiveUpdate(socket, id, update, ack, { raw: awareness }),
  )
  const onChunk = socketListener(logger, 'doc:update-chunk', receiveChunk)
  const onLeave = socketListener<LoresyncSocket>(logger, 'doc:leave', (socket, rawDocId) => {
    const docId = checkId(rawDocId, 'docId')
    if (docId.ok && socket.data.docs.has(docId.value)) leaveDocument(socket, docId.value)
  })
  const onDisconnect = socketListener<LoresyncSocket>(logger, 'disconnect', (socket) => {
    socket.data.chunks?.dropAll()
    for (const docId of [...socket.data.docs.keys()]) leaveDocument(socket, docId)
  })

  return {
    events: {
      'doc:join': onJoin,
      'doc:update': onUpdate,
      'doc:change': onChange,
      'doc:update-chunk': onChunk,
      'doc:leave': onLeave,
    },
    onDisconnect,
    attach: (socket) => {
      socket.data.leaveDocument = leaveDocument
    },
  }
}
