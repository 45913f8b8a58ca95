/**
 * A room's Awareness without what y-protocols gives each instance of its own: a Y.Doc (the server
 * is not a participant, so it needs a client id for its own null state and nothing else) and a
 * 3-second timer. Each open element used to carry both (about 2.5 KB); one timer for every room
 * now removes the states their clients stopped renewing, exactly as each instance's timer did.
 */
import * as random from 'lib0/random'
import * as time from 'lib0/time'
import { Awareness, outdatedTimeout, removeAwarenessStates } from 'y-protocols/awareness'
import type * as Y from 'yjs'
import { SmallMap } from './small-map.ts'

/** The awarenesses of open rooms: what the shared timer sweeps. */
const open = new Set<Awareness>()
let sweeper: NodeJS.Timeout | null = null

/** y-protocols' per-instance check, for every open room at once. */
const sweep = (): void => {
  const now = time.getUnixTime()
  for (const awareness of open) {
    const local = awareness.getLocalState()
    const localMeta = awareness.meta.get(awareness.clientID)
    // The server's own state is null; were one set, it is renewed as y-protocols would.
    if (local !== null && localMeta && outdatedTimeout / 2 <= now - localMeta.lastUpdated) {
      awareness.setLocalState(local)
    }
    const outdated: number[] = []
    awareness.meta.forEach((meta, clientId) => {
      const stale = outdatedTimeout <= now - meta.lastUpdated
      if (clientId !== awareness.clientID && stale && awareness.states.has(clientId)) {
        outdated.push(clientId)
      }
    })
    if (outdated.length > 0) removeAwarenessStates(awareness, outdated, 'timeout')
  }
}

/** One function for every host: a closure per room would cost more than the rest of the host. */
function ignore(): void {}

/**
 * All the Awareness constructor reads of its doc: the client id and `on('destroy')`, to follow the
 * doc's end (a room destroys its awareness itself). One host for every room (benchmark T3: a host
 * and its id were 56 bytes of every open element): the server's own client id only keys its own
 * null state, which never leaves the server, so rooms may share it. Drawn below 2^30, where V8
 * keeps it as a small integer instead of a 16-byte heap number in every room.
 */
const sharedHost = { clientID: random.uint32() >>> 2, on: ignore } as unknown as Y.Doc

/**
 * What `_observers` holds until something subscribes: nothing is ever added to it (`on` swaps in a
 * map of the room's own first), and lib0's `off` and `emit` only read it.
 */
const NO_OBSERVERS: Awareness['_observers'] = new Map()

/**
 * An Awareness whose observer table is created on the first subscription. Only a cluster node
 * subscribes (cluster/peer-sync.ts); on one node every open element paid 184 bytes for an empty
 * Map (benchmark T3). lib0's `once` subscribes through `on`; `destroy` assigns a fresh map.
 */
class RoomAwareness extends Awareness {
  override on(...args: Parameters<Awareness['on']>): void {
    if (this._observers === NO_OBSERVERS) this._observers = new Map()
    super.on(...args)
  }
}

/** A new Awareness holding no state of the server's own; release it with `releaseAwareness`. */
export const createRoomAwareness = (): Awareness => {
  const awareness = new RoomAwareness(sharedHost)
  // Stopped and dropped: the Timeout object alone would outweigh a member's state.
  clearInterval(awareness._checkInterval as NodeJS.Timeout)
  awareness._checkInterval = undefined
  // The server is not a participant: it must not appear as a caret. Nothing subscribed yet, so
  // the events this emits reach nobody.
  awareness.setLocalState(null)
  // Nor is its own (null) state ever sent, so its clock is not kept either: 56 bytes a room (T3).
  awareness.meta.delete(awareness.clientID)
  awareness._observers = NO_OBSERVERS
  // Both empty now, and a room mostly has one person in it (SmallMap: 0.3 KB a room, T3).
  awareness.states = new SmallMap()
  awareness.meta = new SmallMap()
  open.add(awareness)
  sweeper ??= setInterval(sweep, Math.floor(outdatedTimeout / 10)).unref()
  return awareness
}

/** Destroys a room's awareness; the shared timer stops with the last one. */
export const releaseAwareness = (awareness: Awareness): void => {
  if (!open.delete(awareness)) return
  awareness.destroy()
  if (open.size === 0 && sweeper) {
    clearInterval(sweeper)
    sweeper = null
  }
}
