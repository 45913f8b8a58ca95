/**
 * `doc:join`: the state-vector handshake. Access is checked before anything is loaded and again
 * once the room is loaded; the answer waits for the room's writes that its vector already covers.
 */
import { MAX_MESSAGE_BYTES } from '../../shared/limits.ts'
import type { JoinResult } from '../../shared/protocol.ts'
import type { Room } from '../rooms/room.ts'
import { ElementNotFoundError } from '../rooms/room-registry.ts'
import type { RealtimeContext } from './context.ts'
import { announcePresence } from './element-presence.ts'
import { fail } from './replies.ts'
import { noAccess, replyToSocket, RESTARTING, TOO_FAST } from './socket-replies.ts'
import type { LoresyncSocket } from './types.ts'
import { checkBinary, checkId, isRecord } from './validate.ts'

/** The join handler of one server, shared by all its sockets. */
export const joinHandler =
  (context: RealtimeContext) =>
  async (socket: LoresyncSocket, request: unknown, ack: unknown): Promise<void> => {
    const { registry, logger, access } = context
    const { guard } = socket.data
    const { limits } = guard
    const reply = replyToSocket<JoinResult>(socket, context, ack)
    if (!guard.admit()) return reply(fail('rate-limited', TOO_FAST))
    if (context.closing()) return reply(fail('unavailable', RESTARTING))
    if (!isRecord(request)) {
      return reply(fail('invalid-request', 'doc:join takes {docId, stateVector}'))
    }
    const docId = checkId(request.docId, 'docId')
    if (!docId.ok) return reply(docId)
    const vector = checkBinary(request.stateVector, 'stateVector', MAX_MESSAGE_BYTES)
    if (!vector.ok) return reply(vector)
    const userId = socket.data.principal.user.id
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
      logger.error(
        { err: error, socketId: socket.id, docId: docId.value },
        'element could not be loaded',
      )
      return reply(fail('unavailable', 'the element could not be loaded; try again'))
    }
    const leaveIfNotJoined = (): void => {
      if (!socket.data.docs.has(docId.value)) registry.leave(room, socket.id)
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
      leaveIfNotJoined()
      return reply(fail('unavailable', 'memberships are changing; try again'))
    }
    const role = current?.role
    if (socket.disconnected || role === undefined) {
      leaveIfNotJoined()
      return socket.disconnected ? undefined : reply(noAccess(docId.value))
    }
    let answer: { update: Uint8Array; stateVector: Uint8Array }
    try {
      answer = room.joinAnswer(vector.value)
    } catch (error) {
      leaveIfNotJoined()
      const message = error instanceof Error ? error.message : String(error)
      return reply(fail('malformed-update', message))
    }
    // The diff, the vector and the writes to wait for are taken in one turn. The answer waits
    // for those writes: a client whose changes the vector already covers counts them as saved,
    // so they must be durable first (they may be a resend of an update still being written).
    const written = room.whenWritten()
    // The room's strings, not this message's: one copy of each however many sockets join (T3).
    socket.data.docs.set(room.docId, role)
    await socket.join(room.broadcastGroup)
    await written
    reply({
      ok: true,
      role,
      update: answer.update,
      stateVector: answer.stateVector,
      awareness: room.encodeAwareness(),
    })
    announcePresence(context.io, room, { multiNode: context.multiNode })
  }
