/**
 * Awareness frames are decoded and re-encoded here before they reach a room, so a socket can only
 * speak for the awareness client ids it owns, appears under the identity of its session whatever
 * its client claims, and a malformed or oversized frame is refused as a whole.
 *
 * Frame layout (y-protocols/awareness): varUint count, then per entry varUint clientID,
 * varUint clock, varString JSON state ("null" for a removal).
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { MAX_AWARENESS_STATE_BYTES } from '../../shared/limits.ts'

export class MalformedAwarenessError extends Error {
  override name = 'MalformedAwarenessError'
}

/** One entry's state is larger than MAX_AWARENESS_STATE_BYTES. */
export class OversizedAwarenessError extends Error {
  override name = 'OversizedAwarenessError'
}

/** Who the sender is, as the server knows it: written into every state's `user` field. */
export interface AwarenessIdentity {
  readonly id: string
  readonly name: string
  readonly color: string
}

export interface FilteredAwareness {
  readonly update: Uint8Array
  readonly clientIds: readonly number[]
}

interface AwarenessEntry {
  readonly clientId: number
  readonly clock: number
  /** The parsed state: null is a removal; anything else is a JSON object. */
  readonly state: Record<string, unknown> | null
}

const decodeEntries = (update: Uint8Array, maxStateBytes: number): AwarenessEntry[] => {
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
 * Points a state's `user` at `identity` itself when it is exactly that identity, its fields in the
 * order stamping writes them, so the state still encodes to the same bytes. A room otherwise keeps
 * a parsed copy of the same three strings in every state it holds (about 0.14 KB per socket and
 * element, benchmark T3); `identity` is shared by all of a session's sockets and must not change.
 * Nothing changes a held state in place: y-protocols replaces a state whole on every update.
 */
export const shareIdentity = (
  state: Record<string, unknown> | null | undefined,
  identity: AwarenessIdentity,
): void => {
  if (!state || !isIdentity(state.user, identity)) return
  const keys = Object.keys(state.user as object)
  if (IDENTITY_KEYS.every((key, index) => keys[index] === key)) state.user = identity
}

/**
 * Returns a frame with only the entries `allow` accepts, each non-null state's `user` set to
 * `identity`, or null when no entry is left. Throws MalformedAwarenessError when the frame cannot
 * be decoded and OversizedAwarenessError when a state is too large.
 */
export const filterAwarenessUpdate = (
  update: Uint8Array,
  allow: (clientId: number) => boolean,
  identity: AwarenessIdentity,
  maxStateBytes = MAX_AWARENESS_STATE_BYTES,
): FilteredAwareness | null => {
  let entries: AwarenessEntry[]
  try {
    entries = decodeEntries(update, maxStateBytes)
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
  if (kept.length === entries.length && kept.every(stamped)) return { update, clientIds }
  // In IDENTITY_KEYS order.
  const user = { id: identity.id, name: identity.name, color: identity.color }
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, kept.length)
  for (const entry of kept) {
    encoding.writeVarUint(encoder, entry.clientId)
    encoding.writeVarUint(encoder, entry.clock)
    encoding.writeVarString(
      encoder,
      JSON.stringify(entry.state === null ? null : { ...entry.state, user }),
    )
  }
  return { update: encoding.toUint8Array(encoder), clientIds }
}
