import type { Logger } from 'pino'
import type { ErrorCode } from '../../shared/errors.ts'
import type { WorldAccess } from '../access/world-access.ts'
import { docRoom } from '../../shared/protocol.ts'
import type { Room } from '../rooms/room.ts'
import type { RoomRegistry } from '../rooms/room-registry.ts'
import type { DocumentStore } from '../storage/store.ts'
import { InFlight } from '../lifecycle/in-flight.ts'
import { AbusePolicy } from './abuse-policy.ts'
import { PresenceRenewals } from './presence-renewals.ts'
import { RoomFanout } from './room-fanout.ts'
import { serverWireParser } from './server-wire-parser.ts'
import type { LoresyncServer } from './types.ts'

/** What the realtime layer reports (metrics); it never sees prom-client. */
export interface RealtimeObserver {
  /** A client update passed validation and was applied to its room. */
  updateReceived(): void
  /** An update was acknowledged, `seconds` after it arrived. */
  acknowledged(seconds: number): void
  /** A message was refused with this error code. */
  rejected(code: ErrorCode): void
}

/** What the socket handlers need; wired once by the composition root. */
export interface RealtimeContext {
  readonly io: LoresyncServer
  readonly registry: RoomRegistry
  readonly store: DocumentStore
  readonly logger: Logger
  readonly observer: RealtimeObserver
  /**
   * Updates received and not yet answered. A graceful shutdown waits for it to empty before it
   * closes connections, so every update received before the close is acknowledged.
   */
  readonly inFlight: InFlight
  /** True once shutdown began: new joins and updates are refused (the client resends later). */
  readonly closing: () => boolean
  /** Who may join, write to and subscribe to what. Required: there is no open mode. */
  readonly access: WorldAccess
  /** Rate limits, offence counting and size caps. */
  readonly abuse: AbusePolicy
  /** True when rooms span several nodes (Redis adapter): changes the relay (doc-handlers.ts). */
  readonly multiNode: boolean
  /** Writes the hot broadcasts of one node straight to its sockets (room-fanout.ts). */
  readonly fanout: RoomFanout
  /** Presence renewals held for a batch (one node; presence-renewals.ts). */
  readonly renewals: PresenceRenewals
}

/** What the composition root passes in; the optional parts default to no metrics, never closing. */
type Defaulted = 'observer' | 'inFlight' | 'closing' | 'abuse' | 'multiNode' | 'fanout' | 'renewals'
export type RealtimeWiring = Omit<RealtimeContext, Defaulted> &
  Partial<Pick<RealtimeContext, Defaulted>> & {
    /** How long a presence renewal may wait for its batch (default RENEWAL_DELAY_MS; tests). */
    readonly renewalDelayMs?: number
  }

const NO_OBSERVER: RealtimeObserver = {
  updateReceived: () => {},
  acknowledged: () => {},
  rejected: () => {},
}

export const realtimeContext = ({ renewalDelayMs, ...wiring }: RealtimeWiring): RealtimeContext => {
  const { registry } = wiring
  const fanout = wiring.fanout ?? new RoomFanout(wiring.io, new serverWireParser.Encoder())
  /** A room's held renewals, as one frame to all its members, unless the room has unloaded since. */
  const relayRenewals = (room: Room, clientIds: ReadonlySet<number>): void => {
    if (registry.get(room.docId) !== room) return
    const frame = room.encodeAwarenessOf(clientIds)
    if (frame) fanout.emitToOthers(null, docRoom(room.docId), 'awareness:update', room.docId, frame)
  }
  return {
    ...wiring,
    observer: wiring.observer ?? NO_OBSERVER,
    inFlight: wiring.inFlight ?? new InFlight(),
    closing: wiring.closing ?? (() => false),
    abuse: wiring.abuse ?? new AbusePolicy(),
    multiNode: wiring.multiNode ?? false,
    fanout,
    renewals: wiring.renewals ?? new PresenceRenewals(relayRenewals, renewalDelayMs),
  }
}
