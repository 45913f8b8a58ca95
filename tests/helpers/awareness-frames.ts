/** Hand-made awareness frames (y-protocols' layout), for tests that send or expect exact ones. */
import * as encoding from 'lib0/encoding'

export type AwarenessEntryTuple = readonly [clientId: number, clock: number, state: unknown]

/** A frame of `entries`, each state written as JSON (null removes the state). */
export const awarenessFrameOf = (...entries: AwarenessEntryTuple[]): Uint8Array => {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, entries.length)
  for (const [clientId, clock, state] of entries) {
    encoding.writeVarUint(encoder, clientId)
    encoding.writeVarUint(encoder, clock)
    encoding.writeVarString(encoder, JSON.stringify(state))
  }
  return encoding.toUint8Array(encoder)
}

/** A frame of one entry. */
export const awarenessFrame = (clientId: number, clock: number, state: unknown): Uint8Array =>
  awarenessFrameOf([clientId, clock, state])
