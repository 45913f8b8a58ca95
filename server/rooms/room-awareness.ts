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
 * All the Awareness constructor reads of its doc: the client id (Y.Doc draws it the same way) and
 * `on('destroy')`, to follow the doc's end. A room destroys its awareness itself.
 */
const detachedHost = (): Y.Doc => ({ clientID: random.uint32(), on: ignore }) as unknown as Y.Doc

/** A new Awareness holding no state of the server's own; release it with `releaseAwareness`. */
export const createRoomAwareness = (): Awareness => {
  const awareness = new Awareness(detachedHost())
  // Stopped and dropped: the Timeout object alone would outweigh a member's state.
  clearInterval(awareness._checkInterval as NodeJS.Timeout)
  awareness._checkInterval = undefined
  // The server is not a participant: it must not appear as a caret.
  awareness.setLocalState(null)
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
