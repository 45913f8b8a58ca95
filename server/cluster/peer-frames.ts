/**
 * The node-to-node messages about one open document, as paired pure functions. A frame carries
 * the sending node's id (so a node ignores its own frames, which Redis pub/sub echoes back) and
 * one message; the document id travels in the layer above (the channel name).
 *
 * - `update`: rows the sender has just committed for the document (it broadcast them to every
 *   client through the Socket.IO adapter already). Only committed rows travel: a node's memory
 *   then never holds content that exists nowhere else but in a node that may crash;
 * - `awareness`: presence states (a change made by a client of the sender, or the answer to a
 *   `presence-request`);
 * - `presence-request`: sent by a node that has just opened the document; the others answer with
 *   every presence state they hold, so its clients see carets that were there before them.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'

export type PeerMessage =
  | { readonly kind: 'update'; readonly update: Uint8Array }
  | { readonly kind: 'awareness'; readonly update: Uint8Array }
  | { readonly kind: 'presence-request' }

export interface PeerFrame {
  readonly nodeId: string
  readonly message: PeerMessage
}

const KIND_CODES = { update: 0, awareness: 1, 'presence-request': 2 } as const

export class MalformedPeerFrameError extends Error {
  override name = 'MalformedPeerFrameError'
}

export const encodePeerFrame = ({ nodeId, message }: PeerFrame): Uint8Array => {
  const encoder = encoding.createEncoder()
  encoding.writeVarString(encoder, nodeId)
  encoding.writeVarUint(encoder, KIND_CODES[message.kind])
  switch (message.kind) {
    case 'update':
    case 'awareness':
      encoding.writeVarUint8Array(encoder, message.update)
      break
    case 'presence-request':
      break
  }
  return encoding.toUint8Array(encoder)
}

/** Throws MalformedPeerFrameError on bytes that are not a frame. */
export const decodePeerFrame = (bytes: Uint8Array): PeerFrame => {
  try {
    const decoder = decoding.createDecoder(bytes)
    const nodeId = decoding.readVarString(decoder)
    const code = decoding.readVarUint(decoder)
    const message = readMessage(decoder, code)
    if (decoding.hasContent(decoder)) throw new Error('trailing bytes')
    return { nodeId, message }
  } catch (error) {
    if (error instanceof MalformedPeerFrameError) throw error
    throw new MalformedPeerFrameError(`peer frame cannot be decoded: ${String(error)}`)
  }
}

const readMessage = (decoder: decoding.Decoder, code: number): PeerMessage => {
  switch (code) {
    case KIND_CODES.update:
      return { kind: 'update', update: decoding.readVarUint8Array(decoder) }
    case KIND_CODES.awareness:
      return { kind: 'awareness', update: decoding.readVarUint8Array(decoder) }
    case KIND_CODES['presence-request']:
      return { kind: 'presence-request' }
    default:
      throw new MalformedPeerFrameError(`unknown peer message kind ${code}`)
  }
}
