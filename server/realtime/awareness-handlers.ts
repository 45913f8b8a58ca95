/**
 * `awareness:update`: presence takes the same road as document updates without the log. Only the
 * entries for awareness ids this socket owns are applied and relayed. `admitAwareness` is the
 * awareness half of `doc:change` (doc-handlers.ts).
 */
import { MAX_AWARENESS_BYTES } from '../../shared/limits.ts'
import type { Principal } from '../auth/auth-service.ts'
import { MalformedAwarenessError, OversizedAwarenessError } from '../../shared/awareness-entries.ts'
import type { AwarenessIdentity } from '../rooms/awareness-filter.ts'
import type { AcceptedAwareness, AdmittedAwareness, Room } from '../rooms/room.ts'
import type { RealtimeContext } from './context.ts'
import { relayToOthers } from './relay.ts'
import { socketListener, type SocketListener } from './boundary.ts'
import type { LoresyncSocket } from './types.ts'
import { checkBinary, checkId } from './validate.ts'

/**
 * One identity object per principal, made on its first awareness frame: rooms keep it as the
 * `user` of every state of that session (Room.applyClientAwareness), instead of a parsed copy per
 * state. Principals are shared by a session's sockets (auth/principal-cache.ts), and held weakly here.
 */
const identities = new WeakMap<Principal, AwarenessIdentity>()

export const identityOf = (principal: Principal): AwarenessIdentity => {
  let identity = identities.get(principal)
  if (!identity) {
    const { id, username, color } = principal.user
    identity = Object.freeze({ id, name: username, color })
    identities.set(principal, identity)
  }
  return identity
}

/**
 * Runs `take` (one of the room's awareness methods) on one awareness frame from `socket` to `room`
 * (a room it has joined). A refused frame is answered with `doc:error` and counted as an offence,
 * and gives null; bad input never throws.
 */
const guardedAwareness = <T>(
  socket: LoresyncSocket,
  { logger, observer }: RealtimeContext,
  room: Room,
  rawUpdate: unknown,
  take: (update: Uint8Array, identity: AwarenessIdentity) => T | null,
): T | null => {
  const { guard, principal } = socket.data
  const { docId } = room
  const update = checkBinary(rawUpdate, 'awareness update', MAX_AWARENESS_BYTES)
  if (!update.ok) {
    guard.offence()
    observer.rejected(update.error.code)
    socket.emit('doc:error', docId, update.error)
    return null
  }
  try {
    return take(update.value, identityOf(principal))
  } catch (error) {
    if (error instanceof OversizedAwarenessError) {
      guard.offence()
      observer.rejected('too-large')
      socket.emit('doc:error', docId, { code: 'too-large', message: error.message })
      return null
    }
    if (!(error instanceof MalformedAwarenessError)) throw error
    guard.offence()
    logger.info({ socketId: socket.id, docId }, 'malformed awareness refused')
    observer.rejected('malformed-update')
    socket.emit('doc:error', docId, { code: 'malformed-update', message: error.message })
    return null
  }
}

/**
 * Applies one awareness frame from `socket` to `room` and returns what to relay to the others, or
 * null when nothing is left to relay (refused frames included, see `guardedAwareness`).
 */
export const acceptAwareness = (
  socket: LoresyncSocket,
  context: RealtimeContext,
  room: Room,
  rawUpdate: unknown,
): AcceptedAwareness | null =>
  guardedAwareness(socket, context, room, rawUpdate, (update, identity) =>
    room.applyClientAwareness(socket.id, update, identity),
  )

/**
 * Admits one awareness frame from `socket` to `room` without applying it: the caret half of
 * `doc:change`, relayed with its edit before the room holds it (`Room.holdAwareness`).
 */
export const admitAwareness = (
  socket: LoresyncSocket,
  context: RealtimeContext,
  room: Room,
  rawUpdate: unknown,
): AdmittedAwareness | null =>
  guardedAwareness(socket, context, room, rawUpdate, (update, identity) =>
    room.admitClientAwareness(socket.id, update, identity),
  )

/** The awareness listeners by client event name (built once per server, shared by all sockets). */
export const awarenessHandlers = (
  context: RealtimeContext,
): Readonly<Record<string, SocketListener<LoresyncSocket>>> => {
  const { registry, logger, observer } = context
  const onAwareness = socketListener<LoresyncSocket>(
    logger,
    'awareness:update',
    async (socket, rawDocId, rawUpdate) => {
      const { guard } = socket.data
      // Over the rate, presence is simply dropped (there is no ack to answer); it is an offence.
      if (!guard.admit()) return
      const docId = checkId(rawDocId, 'docId')
      if (!docId.ok) {
        guard.offence()
        return
      }
      const room = registry.get(docId.value)
      if (!room || !socket.data.docs.has(docId.value) || !room.hasMember(socket.id)) {
        // Dropped without a doc:error: presence is ephemeral, and the usual sender is a client
        // whose frame crossed its own leave or a removal from the room on the way. An error
        // would reach the next session of that element and stop it.
        observer.rejected('not-joined')
        return
      }
      const accepted = acceptAwareness(socket, context, room, rawUpdate)
      if (!accepted) return
      // One node: a renewal waits for the room's next batch (presence-renewals.ts). With several,
      // the adapter carries every frame to the other nodes as it comes.
      if (accepted.renewal && !context.multiNode) {
        context.renewals.hold(room, accepted.clientIds)
        return
      }
      context.renewals.supersede(room, accepted.clientIds)
      relayToOthers(context, socket, docId.value, null, accepted.update)
    },
  )
  return { 'awareness:update': onAwareness }
}
