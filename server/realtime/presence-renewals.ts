/**
 * Presence renewals, relayed in batches.
 *
 * Every y-protocols client re-sends its awareness state, unchanged, every 15 to 18 seconds, so
 * that the others do not drop it as gone: a replica removes a state it has not heard of for 30 s.
 * Someone who only reads an element sends nothing else. Relayed one by one, each renewal costs a
 * frame and a write to every other member of the room: in the typing benchmark (T1, 19 readers
 * per element) renewals were more than a third of everything the server wrote.
 *
 * A renewal tells nobody anything new, and it is not urgent: it only has to arrive well inside
 * those 30 s. So the room keeps it (the server's own copy is renewed at once) and relays it
 * `RENEWAL_DELAY_MS` later, together with every other renewal that room received meanwhile, as
 * one frame to every member. Whoever renewed gets its own entry back too: that keeps one frame
 * for everyone, and y-protocols ignores an entry whose clock it has already seen. A change (a
 * caret that moved, a name) is never held, and it drops the held renewal of the same client: the
 * change carries the newest state.
 */
import type { Room } from '../rooms/room.ts'

/**
 * How long a renewal may wait. A client renews 15–18 s after its last update and a state expires
 * 30 s after it was heard of, so a renewal held this long still arrives 7 s before that.
 */
export const RENEWAL_DELAY_MS = 5000

interface Held {
  readonly clientIds: Set<number>
  readonly timer: NodeJS.Timeout
}

export class PresenceRenewals {
  private readonly held = new Map<Room, Held>()

  constructor(
    /** Relays the current states of `clientIds` in `room` to all its members. */
    private readonly relay: (room: Room, clientIds: ReadonlySet<number>) => void,
    private readonly delayMs = RENEWAL_DELAY_MS,
  ) {}

  /** Keeps the renewals of `clientIds` in `room`, to relay with the room's next batch. */
  hold(room: Room, clientIds: readonly number[]): void {
    let held = this.held.get(room)
    if (!held) {
      // One timer per room with held renewals: rooms flush at their own moments, so no turn of
      // the event loop writes every room's batch at once.
      const timer = setTimeout(() => this.flush(room), this.delayMs)
      timer.unref()
      held = { clientIds: new Set(), timer }
      this.held.set(room, held)
    }
    for (const clientId of clientIds) held.clientIds.add(clientId)
  }

  /** A frame relayed now carries the newest states of `clientIds`: their held renewals add nothing. */
  supersede(room: Room, clientIds: readonly number[]): void {
    const held = this.held.get(room)
    if (!held) return
    for (const clientId of clientIds) held.clientIds.delete(clientId)
  }

  /** Drops every held renewal (shutdown). */
  clear(): void {
    for (const { timer } of this.held.values()) clearTimeout(timer)
    this.held.clear()
  }

  private flush(room: Room): void {
    const held = this.held.get(room)
    this.held.delete(room)
    if (held && held.clientIds.size > 0) this.relay(room, held.clientIds)
  }
}
