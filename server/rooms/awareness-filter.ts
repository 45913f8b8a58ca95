/**
 * Awareness frames are decoded and re-encoded here before they reach a room, so a socket can only
 * speak for the awareness client ids it owns and a malformed frame is refused as a whole.
 *
 * Frame layout (y-protocols/awareness): varUint count, then per entry varUint clientID,
 * varUint clock, varString JSON state ("null" for a removal).
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'

export class MalformedAwarenessError extends Error {
  override name = 'MalformedAwarenessError'
}

interface AwarenessEntry {
  readonly clientId: number
  readonly clock: number
  readonly state: string
}

const decodeEntries = (update: Uint8Array): AwarenessEntry[] => {
  const decoder = decoding.createDecoder(update)
  const count = decoding.readVarUint(decoder)
  // Each entry takes at least three bytes: a count beyond that is a lie about the frame's size.
  if (count > update.byteLength) throw new MalformedAwarenessError('entry count exceeds frame size')
  const entries: AwarenessEntry[] = []
  for (let i = 0; i < count; i++) {
    const clientId = decoding.readVarUint(decoder)
    const clock = decoding.readVarUint(decoder)
    const state = decoding.readVarString(decoder)
    JSON.parse(state)
    entries.push({ clientId, clock, state })
  }
  if (decoding.hasContent(decoder))
    throw new MalformedAwarenessError('trailing bytes after entries')
  return entries
}

/**
 * Returns a frame with only the entries `allow` accepts, or null when none are left.
 * Throws MalformedAwarenessError when the frame cannot be decoded.
 */
export const filterAwarenessUpdate = (
  update: Uint8Array,
  allow: (clientId: number) => boolean,
): Uint8Array | null => {
  let entries: AwarenessEntry[]
  try {
    entries = decodeEntries(update)
  } catch (error) {
    if (error instanceof MalformedAwarenessError) throw error
    throw new MalformedAwarenessError(`awareness frame cannot be decoded: ${String(error)}`)
  }
  const kept = entries.filter((entry) => allow(entry.clientId))
  if (kept.length === 0) return null
  if (kept.length === entries.length) return update
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, kept.length)
  for (const entry of kept) {
    encoding.writeVarUint(encoder, entry.clientId)
    encoding.writeVarUint(encoder, entry.clock)
    encoding.writeVarString(encoder, entry.state)
  }
  return encoding.toUint8Array(encoder)
}
