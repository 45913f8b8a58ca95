/**
 * Awareness frames are decoded and re-encoded here before they reach a room, so a socket can only
 * speak for the awareness client ids it owns, appears under the identity of its session whatever
 * its client claims, and a malformed or oversized frame is refused as a whole.
 *
 * Frame layout (y-protocols/awareness): varUint count, then per entry varUint clientID,
 * varUint clock, varString JSON state ("null" for a removal).
 */
import * as encoding from 'lib0/encoding'
import { MAX_AWARENESS_STATE_BYTES } from '../../shared/limits.ts'
import {
  decodeAwarenessEntries,
  MalformedAwarenessError,
  OversizedAwarenessError,
  type AwarenessEntry,
} from '../../shared/awareness-entries.ts'

/** Who the sender is, as the server knows it: written into every state's `user` field. */
export interface AwarenessIdentity {
  readonly id: string
  readonly name: string
  readonly color: string
}

export interface FilteredAwareness {
  readonly update: Uint8Array
  readonly clientIds: readonly number[]
  /**
   * The entries of `update`, parsed, their states as a room should hold them (see
   * `shareIdentity`): applied with `applyAwarenessEntries`, they leave the room as y-protocols'
   * `applyAwarenessUpdate` of `update` followed by `shareIdentity` did, without a second parse.
   * The states are the filter's own: the room may keep them.
   */
  readonly entries: readonly AwarenessEntry[]
}

/** `user` is exactly the identity: its three fields, equal, and nothing else. */
const isIdentity = (user: unknown, identity: AwarenessIdentity): boolean => {
  if (typeof user !== 'object' || user === null || Array.isArray(user)) return false
  const fields = user as Record<string, unknown>
  return (
    Object.keys(fields).length === 3 &&
    fields.id === identity.id &&
    fields.name === identity.name &&
    fields.color === identity.color
  )
}

/** The field order of a stamped `user` (the `user` object in `filterAwarenessUpdate`). */
const IDENTITY_KEYS = ['id', 'name', 'color'] as const

/**
 * Points the `user` of a state, which `isIdentity` already found to be exactly `identity`, at
 * `identity` itself when its fields are in the order stamping writes them, so the state still
 * encodes to the same bytes. A room otherwise keeps a parsed copy of the same three strings in
 * every state it holds (about 0.14 KB per socket and element, benchmark T3); `identity` is shared
 * by all of a session's sockets and must not change. Nothing changes a held state in place: a
 * state is replaced whole on every update.
 */
const shareIdentity = (state: Record<string, unknown>, identity: AwarenessIdentity): void => {
  const keys = Object.keys(state.user as object)
  if (IDENTITY_KEYS.every((key, index) => keys[index] === key)) state.user = identity
}

/**
 * Returns a frame with only the entries `allow` accepts, each non-null state's `user` set to
 * `identity`, and those entries parsed, or null when no entry is left. Throws
 * MalformedAwarenessError when the frame cannot be decoded and OversizedAwarenessError when a
 * state is too large.
 */
export const filterAwarenessUpdate = (
  update: Uint8Array,
  allow: (clientId: number) => boolean,
  identity: AwarenessIdentity,
  maxStateBytes = MAX_AWARENESS_STATE_BYTES,
): FilteredAwareness | null => {
  let entries: AwarenessEntry[]
  try {
    entries = decodeAwarenessEntries(update, maxStateBytes)
  } catch (error) {
    if (error instanceof MalformedAwarenessError || error instanceof OversizedAwarenessError) {
      throw error
    }
    throw new MalformedAwarenessError(`awareness frame cannot be decoded: ${String(error)}`)
  }
  const kept = entries.filter((entry) => allow(entry.clientId))
  if (kept.length === 0) return null
  const clientIds = kept.map((entry) => entry.clientId)
  // The usual frame: the sender's own entries, already under its session's identity (the app sets
  // `user` from the session). Nothing to remove or stamp: relayed as it came, not re-encoded.
  const stamped = (entry: AwarenessEntry): boolean =>
    entry.state === null || isIdentity(entry.state.user, identity)
  if (kept.length === entries.length && kept.every(stamped)) {
    for (const { state } of kept) if (state) shareIdentity(state, identity)
    return { update, clientIds, entries: kept }
  }
  // In IDENTITY_KEYS order.
  const user = { id: identity.id, name: identity.name, color: identity.color }
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, kept.length)
  const held: AwarenessEntry[] = []
  for (const { clientId, clock, state } of kept) {
    encoding.writeVarUint(encoder, clientId)
    encoding.writeVarUint(encoder, clock)
    const written = state === null ? null : { ...state, user }
    const json = JSON.stringify(written)
    encoding.writeVarString(encoder, json)
    held.push({ clientId, clock, state: holdStamped(written, json, identity) })
  }
  return { update: encoding.toUint8Array(encoder), clientIds, entries: held }
}

/**
 * Whether JSON.parse(JSON.stringify(value)) equals `value`, for a value JSON.parse made: false only
 * when it holds -0 (written as 0) or an infinity (a literal beyond the double range parses to one
 * and is written as null).
 */
const survivesJson = (value: unknown): boolean => {
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0)
  if (typeof value !== 'object' || value === null) return true
  if (Array.isArray(value)) return value.every(survivesJson)
  for (const key in value) {
    if (!survivesJson((value as Record<string, unknown>)[key])) return false
  }
  return true
}

/**
 * The state a room holds for a stamped entry: what parsing `json` (the bytes relayed, which
 * y-protocols used to parse again) gives, with `identity` itself as `user` as `shareIdentity`
 * would make it. That is `written` (the state `json` was made from, taken over) unless JSON
 * changes one of its numbers; a frame stamped on every keystroke must not be parsed twice.
 */
const holdStamped = (
  written: Record<string, unknown> | null,
  json: string,
  identity: AwarenessIdentity,
): Record<string, unknown> | null => {
  if (written === null) return null
  const held = survivesJson(written) ? written : (JSON.parse(json) as Record<string, unknown>)
  held.user = identity
  return held
}
