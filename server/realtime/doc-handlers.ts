/**
 * `doc:*` events: join with a state-vector handshake, updates (whole or chunked) acknowledged only
 * after commit, and leave. Every message is validated before it touches a room.
 */
import type { Failure } from '../../shared/errors.ts'
import { MAX_MESSAGE_BYTES } from '../../shared/limits.ts'
import { docRoom, type AckResult, type JoinResult } from '../../shared/protocol.ts'
import { canWrite } from '../../shared/roles.ts'
import { ForgedIdentityError, MalformedUpdateError, type Room } from '../rooms/room.ts'
import { ElementNotFoundError } from '../rooms/room-registry.ts'
import { acceptAwareness } from './awareness-handlers.ts'
import { announcePresence } from './element-presence.ts'
import { ChunkAssembler } from './chunk-assembler.ts'
import type { RealtimeContext } from './context.ts'
import { countsAsOffence } from './offences.ts'
import { fail, replyOf, type Reply } from './replies.ts'
import { guarded } from './boundary.ts'
import type { LoresyncSocket } from './types.ts'
import { checkBinary, checkId, isRecord } from './validate.ts'

const RESTARTING =
  'the server is restarting: your changes are kept and sent again when you reconnect'

export const registerDocHandlers = (socket: LoresyncSocket, context: RealtimeContext): void => {
  const { registry, logger, observer, inFlight } = context
  const chunks = new ChunkAssembler()
  const log = logger.child({ socketId: socket.id })
  const { guard } = socket.data
  const { limits } = guard
  const replyTo = <T>(ack: unknown): Reply<T> =>
    replyOf<T>(ack, (code) => {
      observer.rejected(code)
      if (countsAsOffence(code)) guard.offence()
    })
  const TOO_FAST = 'too many messages: slow down (repeated floods disconnect the socket)'
  const noAccess = (docId: string) =>
    fail('forbidden', `element ${docId} does not exist or you are not a member of its world`)

  /** The socket's role in a joined element allows writing, or the failure to answer with. */
  const writeRefusal = (docId: string): Failure | null => {
    const role = socket.data.roles.get(docId)
    if (role !== undefined && canWrite(role)) return null
    return fail('read-only', `you are a viewer of element ${docId}: your changes are not accepted`)
  }

  /** The room this socket has joined for `docId`, or the failure to answer with. */
  const joinedRoom = (docId: string): Room | Failure => {
    const room = registry.get(docId)
    if (!room || !socket.data.docs.has(docId) || !room.hasMember(socket.id)) {
      return fail('not-joined', `join element ${docId} with doc:join before sending to it`)
    }
    return room
  }

  /**
   * Relays to the others in the room. An update and the awareness frame that came with it travel
   * as one `doc:change` (one frame per recipient instead of two) — on a single node only: with
   * several nodes, updates reach other nodes' clients after commit (cluster/peer-sync.ts) while
   * awareness goes through the adapter at once, so there they stay two events.
   */
  const relay = (docId: string, update: Uint8Array | null, awareness: Uint8Array | null): void => {
    const room = docRoom(docId)
    if (update && awareness && !context.multiNode) {
      socket.to(room).emit('doc:change', docId, update, awareness)
      return
    }
    // This node's clients only. With several nodes, the others send it to theirs once it is
    // committed and their rooms hold it (cluster/peer-sync.ts): a client never sees an edit its
    // own node lacks, so its next update never builds on something its node would refuse.
    if (update) socket.to(room).local.emit('doc:update', docId, update)
    if (awareness) socket.to(room).emit('awareness:update', docId, awareness)
  }

  /**
   * Applies, broadcasts (with `awareness`, the frame relayed along with it, if any), persists,
   * then acknowledges. `receivedAt` is when the message (or its last chunk) arrived. The whole
   * path is tracked in `inFlight`, so a graceful shutdown closes the connection only after the
   * acknowledgement has been handed to the socket.
   */
  const applyIncoming = (
    room: Room,
    update: Uint8Array,
    reply: Reply<AckResult>,
    receivedAt: number,
    awareness: Uint8Array | null = null,
  ): void => {
    const refuse = (failure: Failure): void => {
      relay(room.docId, null, awareness)
      reply(failure)
    }
    if (room.storedBytes + update.byteLength > limits.maxDocumentBytes) {
      const limit = limits.maxDocumentBytes
      refuse(fail('too-large', `element ${room.docId} is at its size limit (${limit} bytes)`))
      return
    }
    let applied
    try {
      applied = room.applyClientUpdate(socket.id, update)
    } catch (error) {
      if (error instanceof MalformedUpdateError) {
        log.info({ docId: room.docId, reason: error.message }, 'malformed update refused')
        refuse(fail('malformed-update', `the update was refused: ${error.message}`))
        return
      }
      if (error instanceof ForgedIdentityError) {
        log.warn({ docId: room.docId, reason: error.message }, 'forged client id refused')
        refuse(fail('forbidden', `the update was refused: ${error.message}`))
        return
      }
      throw error
    }
    observer.updateReceived()
    relay(room.docId, applied.effective ?? null, awareness)
    // Only what the server's doc added on its own (formatting cleanup) goes back to the sender.
    if (applied.echo) socket.emit('doc:update', room.docId, applied.echo)
    void inFlight.track(
      registry.persist(room, applied).then(
        () => {
          reply({ ok: true })
          observer.acknowledged((performance.now() - receivedAt) / 1000)
        },
        (error: unknown) => {
          log.error({ err: error, docId: room.docId }, 'update could not be stored')
          reply(fail('unavailable', 'the update could not be stored; it will be resent on rejoin'))
        },
      ),
    )
  }

  socket.on(
    'doc:join',
    guarded(log, 'doc:join', async (request: unknown, ack: unknown) => {
      const reply = replyTo<JoinResult>(ack)
      if (!(await guard.admit())) return reply(fail('rate-limited', TOO_FAST))
      if (context.closing()) return reply(fail('unavailable', RESTARTING))
      if (!isRecord(request))
        return reply(fail('invalid-request', 'doc:join takes {docId, stateVector}'))
      const docId = checkId(request.docId, 'docId')
      if (!docId.ok) return reply(docId)
      const vector = checkBinary(request.stateVector, 'stateVector', MAX_MESSAGE_BYTES)
      if (!vector.ok) return reply(vector)
      const userId = socket.data.principal.user.id
      const { access } = context
      // Checked before anything is loaded: a non-member costs the server nothing.
      let mark = access.membershipMark()
      const before = await access.elementAccess(docId.value, userId)
      if (before?.role === undefined) return reply(noAccess(docId.value))
      if (!socket.data.docs.has(docId.value) && socket.data.docs.size >= limits.maxOpenDocuments) {
        return reply(
          fail('rate-limited', `at most ${limits.maxOpenDocuments} elements may be open at once`),
        )
      }
      let room: Room
      try {
        room = await registry.join(docId.value, socket.id, userId, before.worldId)
      } catch (error) {
        if (error instanceof ElementNotFoundError) {
          return reply(fail('not-found', `element ${docId.value} does not exist`))
        }
        log.error({ err: error, docId: docId.value }, 'element could not be loaded')
        return reply(fail('unavailable', 'the element could not be loaded; try again'))
      }
      // Checked again now that the room is loaded: a membership change that landed meanwhile found
      // no joined document to act on. Where this process sees every change (one node on SQLite),
      // the first answer stands unless a change was reported since it was read; otherwise (or when
      // one was) it is read again. The answer is acted on in the turn it is known current (no
      // await until the document is joined below): a change reported after that is applied to it.
      // (Three reads at most: if memberships changed during every one of them, the join is
      // refused as `unavailable` and the client tries again, rather than act on a stale answer.)
      let current: Awaited<ReturnType<typeof access.elementAccess>> = before
      let settled = access.unchangedSince(mark)
      for (let reads = 0; !settled && reads < 3; reads++) {
        mark = access.membershipMark()
        current = await access.elementAccess(docId.value, userId)
        // Changes also come from other nodes (mark null): one read, as it always was.
        settled = mark === null || access.unchangedSince(mark)
      }
      if (!settled) {
        if (!socket.data.docs.has(docId.value)) registry.leave(room, socket.id)
        return reply(fail('unavailable', 'memberships are changing; try again'))
      }
      const role = current?.role
      if (socket.disconnected || role === undefined) {
        if (!socket.data.docs.has(docId.value)) registry.leave(room, socket.id)
        return socket.disconnected ? undefined : reply(noAccess(docId.value))
      }
      let answer: { update: Uint8Array; stateVector: Uint8Array }
      try {
        answer = room.joinAnswer(vector.value)
      } catch (error) {
        if (!socket.data.docs.has(docId.value)) registry.leave(room, socket.id)
        const message = error instanceof Error ? error.message : String(error)
        return reply(fail('malformed-update', message))
      }
      // The diff, the vector and the writes to wait for are taken in one turn. The answer waits
      // for those writes: a client whose changes the vector already covers counts them as saved,
      // so they must be durable first (they may be a resend of an update still being written).
      const written = room.whenWritten()
      socket.data.docs.add(docId.value)
      socket.data.roles.set(docId.value, role)
      await socket.join(docRoom(docId.value))
      await written
      reply({
        ok: true,
        role,
        update: answer.update,
        stateVector: answer.stateVector,
        awareness: room.encodeAwareness(),
      })
      announcePresence(context.io, room, { multiNode: context.multiNode })
    }),
  )

  /**
   * `doc:update`, and `doc:change` when `withAwareness` holds the awareness half (the caret that
   * moved with the edit): that half is handled like `awareness:update`, the update like
   * `doc:update`, each accepted or refused on its own.
   */
  const receiveUpdate = async (
    rawDocId: unknown,
    rawUpdate: unknown,
    ack: unknown,
    withAwareness: { readonly raw: unknown } | null,
  ): Promise<void> => {
    const receivedAt = performance.now()
    const reply = replyTo<AckResult>(ack)
    if (!(await guard.admit())) return reply(fail('rate-limited', TOO_FAST))
    if (context.closing()) return reply(fail('unavailable', RESTARTING))
    const docId = checkId(rawDocId, 'docId')
    if (!docId.ok) return reply(docId)
    const update = checkBinary(rawUpdate, 'update', MAX_MESSAGE_BYTES)
    if (!update.ok) return reply(update)
    const room = joinedRoom(docId.value)
    if ('ok' in room) return reply(room)
    const awareness = withAwareness
      ? acceptAwareness(socket, context, room, withAwareness.raw)
      : null
    const refusal = writeRefusal(docId.value)
    if (refusal) {
      relay(docId.value, null, awareness)
      return reply(refusal)
    }
    applyIncoming(room, update.value, reply, receivedAt, awareness)
  }

  socket.on(
    'doc:update',
    guarded(log, 'doc:update', (rawDocId: unknown, rawUpdate: unknown, ack: unknown) =>
      receiveUpdate(rawDocId, rawUpdate, ack, null),
    ),
  )

  socket.on(
    'doc:change',
    guarded(
      log,
      'doc:change',
      (rawDocId: unknown, rawUpdate: unknown, rawAwareness: unknown, ack: unknown) =>
        receiveUpdate(rawDocId, rawUpdate, ack, { raw: rawAwareness }),
    ),
  )

  socket.on(
    'doc:update-chunk',
    guarded(log, 'doc:update-chunk', async (rawDocId: unknown, chunk: unknown, ack: unknown) => {
      const receivedAt = performance.now()
      const reply = replyTo<AckResult>(ack)
      if (!(await guard.admit())) return reply(fail('rate-limited', TOO_FAST))
      if (context.closing()) {
        // A half-received transfer can never complete now; the client resends it whole.
        chunks.dropAll()
        return reply(fail('unavailable', RESTARTING))
      }
      const docId = checkId(rawDocId, 'docId')
      if (!docId.ok) return reply(docId)
      const room = joinedRoom(docId.value)
      if ('ok' in room) return reply(room)
      const refusal = writeRefusal(docId.value)
      if (refusal) return reply(refusal)
      const result = chunks.accept(docId.value, chunk)
      if (!result.ok) return reply(result)
      if (result.value === null) return reply({ ok: true })
      applyIncoming(room, result.value, reply, receivedAt)
    }),
  )

  const leaveDoc = (docId: string): void => {
    socket.data.docs.delete(docId)
    socket.data.roles.delete(docId)
    chunks.dropAll(docId)
    void socket.leave(docRoom(docId))
    const room = registry.get(docId)
    if (!room) return
    const removal = registry.leave(room, socket.id)
    if (removal) context.io.to(docRoom(docId)).emit('awareness:update', docId, removal)
    announcePresence(context.io, room, { multiNode: context.multiNode })
  }

  socket.data.leaveDocument = leaveDoc

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
