/**
 * Builds the WebSocket frame of a binary broadcast once, not once per recipient.
 *
 * Socket.IO's adapter encodes a broadcast packet once and then hands it to every socket of the
 * room; each socket's ws `Sender` then builds its own frame header around the same bytes and
 * writes header and payload as two buffers. Server frames are unmasked, so the frame is the same
 * for every recipient: the adapter already precomputes it (`wsPreEncodedFrame`, which engine.io's
 * WebSocket transport writes as is), but only for text packets. Every Loresync packet is binary
 * (shared/wire-parser.ts), so without this the shortcut never applies.
 *
 * The frame is one buffer (header and payload together), so each recipient costs one plain
 * `write` instead of a corked two-buffer `writev`. Recipients on HTTP long-polling, or with
 * per-message compression, ignore the precomputed frame and encode as usual (engine.io checks).
 */
import * as ws from 'ws'
import type { LoresyncServer } from './types.ts'

/** ws's frame builder: public API of ws, missing from @types/ws. */
interface FrameBuilder {
  frame(data: Buffer, options: typeof FRAME_OPTIONS): Buffer[]
}
// A named export of ws's ES module build; a property of the default export of its CommonJS one.
const Sender =
  (ws as unknown as { Sender?: FrameBuilder }).Sender ??
  (ws.default as unknown as { Sender: FrameBuilder }).Sender

/** The adapter method that encodes a broadcast once (socket.io-adapter, not in its public types). */
type EncodeBroadcast = (packet: unknown, packetOptions: Record<string, unknown>) => unknown[]

const FRAME_OPTIONS = { readOnly: false, mask: false, rsv1: false, opcode: 2, fin: true } as const

/** The unmasked binary WebSocket frame of `payload`, header and payload in one buffer. */
export const binaryFrame = (payload: Buffer): Buffer =>
  Buffer.concat(Sender.frame(payload, FRAME_OPTIONS))

/** Precomputes binary broadcast frames on the default namespace's adapter (call after `io.adapter`). */
export const preframeBinaryBroadcasts = (io: LoresyncServer): void => {
  const adapter = io.of('/').adapter as unknown as { _encode?: EncodeBroadcast }
  const encode = adapter._encode
  // A future socket.io-adapter without this hook: broadcasts still work, just without the shortcut.
  if (typeof encode !== 'function') return
  adapter._encode = function (this: unknown, packet, packetOptions) {
    const encoded = encode.call(this, packet, packetOptions)
    const [only] = encoded
    if (encoded.length === 1 && Buffer.isBuffer(only) && !packetOptions.wsPreEncodedFrame) {
      packetOptions.wsPreEncodedFrame = [binaryFrame(only)]
    }
    return encoded
  }
}
