/**
 * Awareness frames as entries: decoding them, and applying entries already decoded and parsed.
 *
 * The server's awareness filter has to parse every state of a client's frame (to keep the ids the
 * socket may use and stamp its identity); handing the bytes on to y-protocols'
 * `applyAwarenessUpdate` then decoded and JSON-parsed them a second time, and compared each state
 * with the one before for a 'change' event that, on a single node, nothing listens to. The client
 * applies every caret a peer moves, and in a headless client (or a tab before its caret layer
 * subscribes) nothing listens to 'change' either. `applyAwarenessEntries` is that function over
 * parsed entries; decoding and applying is `applyAwarenessUpdate` without the work no listener sees.
 *
 * Frame layout (y-protocols/awareness): varUint count, then per entry varUint clientID, varUint
 * clock, varString JSON state ("null" for a removal).
 *
 * It mirrors `applyAwarenessUpdate` of y-protocols 1.0.7 (awareness.js) step for step: the clock
 * rule, the local-state rule, `meta`, the four classifications and both events with the caller's
 * origin. Only what no listener can observe is skipped: the comparison when nothing listens to
 * 'change', the event arrays when nothing listens to either event. Check it again when y-protocols
 * is upgraded.
 */
import * as decoding from 'lib0/decoding'
import { equalityDeep } from 'lib0/function'
import * as time from 'lib0/time'
import type { Awareness } from 'y-protocols/awareness'

export class MalformedAwarenessError extends Error {
  override name = 'MalformedAwarenessError'
}

/** One entry's state is larger than the limit `decodeAwarenessEntries` was given. */
export class OversizedAwarenessError extends Error {
  override name = 'OversizedAwarenessError'
}

/** One entry of an awareness frame (y-protocols' layout), its state parsed. */
export interface AwarenessEntry {
  readonly clientId: number
  readonly clock: number
  /** null removes the client's state; anything else replaces it whole and is held as it is. */
  readonly state: Record<string, unknown> | null
}

/**
 * The entries of an awareness frame, each state parsed. Throws MalformedAwarenessError when the
 * frame cannot be decoded or a state is not a JSON object or null, OversizedAwarenessError when a
 * state is longer than `maxStateBytes`; lib0's decoder throws its own errors on a truncated frame.
 */
export const decodeAwarenessEntries = (
  update: Uint8Array,
  maxStateBytes = Number.POSITIVE_INFINITY,
): AwarenessEntry[] => {
  const decoder = decoding.createDecoder(update)
  const count = decoding.readVarUint(decoder)
  // Each entry takes at least three bytes: a count beyond that is a lie about the frame's size.
  if (count > update.byteLength) throw new MalformedAwarenessError('entry count exceeds frame size')
  const entries: AwarenessEntry[] = []
  for (let i = 0; i < count; i++) {
    const clientId = decoding.readVarUint(decoder)
    const clock = decoding.readVarUint(decoder)
    const json = decoding.readVarString(decoder)
    if (json.length > maxStateBytes) {
      throw new OversizedAwarenessError(
        `an awareness state is limited to ${maxStateBytes} bytes; this one has ${json.length}`,
      )
    }
    const state: unknown = JSON.parse(json)
    if (state !== null && (typeof state !== 'object' || Array.isArray(state))) {
      throw new MalformedAwarenessError('an awareness state must be a JSON object or null')
    }
    entries.push({ clientId, clock, state: state as Record<string, unknown> | null })
  }
  if (decoding.hasContent(decoder))
    throw new MalformedAwarenessError('trailing bytes after entries')
  return entries
}

/** What the events report, collected only while someone listens. */
interface Changes {
  readonly added: number[]
  readonly updated: number[]
  /** `updated` without the states equal to the ones they replaced: the 'change' event's. */
  readonly filteredUpdated: number[] | null
  readonly removed: number[]
}

/**
 * Applies `entries` in order to `awareness` as `applyAwarenessUpdate` applies a frame holding them,
 * emitting 'change' and 'update' with `origin`. The states are held as given (not copied).
 */
export const applyAwarenessEntries = (
  awareness: Awareness,
  entries: readonly AwarenessEntry[],
  origin: unknown,
): void => {
  const timestamp = time.getUnixTime()
  // Who listens is decided before any listener runs; one subscribed from inside 'change' still
  // gets 'update' (lib0's `emit` reads its listeners when it emits), so those arrays are kept
  // whenever 'change' has listeners.
  const listensToChange = awareness._observers.has('change')
  const changes: Changes | null =
    listensToChange || awareness._observers.has('update')
      ? { added: [], updated: [], filteredUpdated: listensToChange ? [] : null, removed: [] }
      : null
  const { states, meta } = awareness
  for (const { clientId, state, clock: sentClock } of entries) {
    let clock = sentClock
    const clientMeta = meta.get(clientId)
    const currentClock = clientMeta === undefined ? 0 : clientMeta.clock
    const newer =
      currentClock < clock || (currentClock === clock && state === null && states.has(clientId))
    if (!newer) continue
    const previous = changes?.filteredUpdated ? states.get(clientId) : undefined
    if (state === null) {
      // y-protocols never lets a remote client remove the local state: it bumps the clock so the
      // local state is announced as still there. The server's own state is null, so this holds
      // only if a client wrote a state under the server's id.
      if (clientId === awareness.clientID && awareness.getLocalState() != null) clock++
      else states.delete(clientId)
    } else {
      states.set(clientId, state)
    }
    meta.set(clientId, { clock, lastUpdated: timestamp })
    if (!changes) continue
    if (clientMeta === undefined && state !== null) {
      changes.added.push(clientId)
    } else if (clientMeta !== undefined && state === null) {
      changes.removed.push(clientId)
    } else if (state !== null) {
      if (changes.filteredUpdated && !equalityDeep(state, previous)) {
        changes.filteredUpdated.push(clientId)
      }
      changes.updated.push(clientId)
    }
  }
  if (!changes) return
  const { added, updated, filteredUpdated, removed } = changes
  if (filteredUpdated && (added.length > 0 || filteredUpdated.length > 0 || removed.length > 0)) {
    awareness.emit('change', [{ added, updated: filteredUpdated, removed }, origin])
  }
  if (added.length > 0 || updated.length > 0 || removed.length > 0) {
    awareness.emit('update', [{ added, updated, removed }, origin])
  }
}
