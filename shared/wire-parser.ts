/**
 * The Socket.IO parser of the Loresync wire: every packet is ONE binary WebSocket frame. The hot
 * packets (updates, awareness, `{ok: true}` acks) use the compact layout of compact-frames.ts;
 * everything else is MessagePack (`socket.io-msgpack-parser`). Socket.IO's default parser sends a text
 * header plus one more frame per binary attachment, which doubled the server's `writev` calls.
 * The server and every client must use it; a client on the default parser cannot talk to us.
 *
 * Its MessagePack codec (notepack.io) has a quirk per build, so each side hands the encoder one
 * binary form:
 * - the browser build encodes only `ArrayBuffer` as binary (a `Uint8Array` would become a map of
 *   indices) and decodes MessagePack `ext` values as `[type, bytes]`, not as bytes;
 * - the Node build encodes a `Buffer` as `bin`, but any other view as an `ext` holding the view's
 *   whole backing buffer (not just the view's bytes).
 * Clients therefore send exact `ArrayBuffer`s (`bin` from browsers, `ext` 0 from Node, which Node
 * decodes to an `ArrayBuffer`), and the server sends `Buffer`s (`bin`, which both builds decode).
 * Receivers get a `Buffer` (Node) or an `ArrayBuffer` (browsers): binary.ts normalises both.
 */
import * as msgpack from 'socket.io-msgpack-parser'
import { spansWholeBuffer, toUint8Array } from './binary.ts'
import { decodeCompact, encodeCompact, isCompactFrame, type WirePacket } from './compact-frames.ts'

/** socket.io-parser's EVENT packet type: the only kind a fast lane is offered. */
const EVENT_PACKET = 2

/**
 * A receiver's shortcut for compact events (server/realtime/inbound-fast-lane.ts,
 * client/collab/inbound-fast-lane.ts). Socket.IO hands every decoded packet to its handlers one
 * tick later, through its packet, event and ack layers; a fast lane delivers a compact EVENT
 * packet at once, where that changes nothing but the cost.
 *
 * Order is the Decoder's part: a packet emitted to Socket.IO waits for its tick, so a compact
 * frame handled at once would overtake it (two frames of one TCP read are decoded in one go). The
 * Decoder counts packets emitted and not yet dispatched and offers nothing while any is waiting:
 * it schedules each count's release with `defer` right after Socket.IO scheduled that packet's
 * dispatch, which is why `defer` must be the very scheduler Socket.IO uses on that side
 * (first in, first out with it).
 */
export interface FastLane {
  /** Delivers a compact EVENT packet now; false leaves it to Socket.IO. Must never throw. */
  take(packet: WirePacket): boolean
  /** Socket.IO's scheduler for a decoded packet on this side (`process.nextTick` on a server). */
  defer(task: () => void): void
}

/** Turns a `Uint8Array` into the form this side's encoder writes as exactly those bytes. */
export type BinaryForm = (bytes: Uint8Array) => unknown

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype

/** `value` with every `Uint8Array` in it (arrays and plain objects, any depth) in `form`. */
const withBinaryIn = (value: unknown, form: BinaryForm): unknown => {
  if (value instanceof Uint8Array) return form(value)
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i]
      const converted = withBinaryIn(item, form)
      if (converted !== item) (copy ??= [...(value as unknown[])])[i] = converted
    }
    return copy ?? value
  }
  if (isPlainObject(value)) {
    let copy: Record<string, unknown> | undefined
    for (const key of Object.keys(value)) {
      const item = value[key]
      const converted = withBinaryIn(item, form)
      if (converted !== item) (copy ??= { ...value })[key] = converted
    }
    return copy ?? value
  }
  return value
}

/** A listener as socket.io-msgpack-parser types it. */
type DecodedListener = Parameters<msgpack.Decoder['on']>[1]
/** component-emitter's `once` wrapper, which `off` finds by the listener it wraps. */
type OnceListener = DecodedListener & { readonly fn?: unknown }
type RemoveArgs = [] | [event: string] | [event: string, listener: DecodedListener]

const listenerList = (held: DecodedListener | DecodedListener[]): DecodedListener[] =>
  typeof held === 'function' ? [held] : held

/** A Socket.IO `parser` option: compact frames or MessagePack, with this side's binary form. */
export const createWireParser = (form: BinaryForm) => {
  const base = new msgpack.Encoder()
  class Encoder {
    encode(packet: WirePacket): unknown[] {
      const compact = encodeCompact(packet)
      if (compact) return [form(compact)]
      const data = withBinaryIn(packet.data, form)
      return base.encode(
        data === packet.data ? packet : { ...packet, data },
      ) as unknown as unknown[]
    }
  }
  class Decoder extends msgpack.Decoder {
    /**
     * The `decoded` listeners: Socket.IO registers one per connection. Held here, one function
     * or (rarely) an array, rather than in component-emitter's table, which would cost every
     * connection an object and an array with room for 17 listeners (about 240 B, benchmark T3).
     * Other events use the table as before; the behaviour is component-emitter's either way.
     */
    private decoded: DecodedListener | DecodedListener[] | null = null
    /** The receiving side's shortcut for compact events, if it set one (see FastLane). */
    private fastLane: FastLane | null = null
    /** Packets emitted with a fast lane set whose dispatch by Socket.IO is still to come. */
    private undispatched = 0

    /**
     * Sets (or with null removes) the fast lane. Packets emitted before it was set were not
     * counted, so it counts as one packet itself, released after the dispatches already
     * scheduled: a lane may be set at any time.
     */
    useFastLane(lane: FastLane | null): void {
      this.fastLane = lane
      if (!lane) return
      this.undispatched++
      lane.defer(() => this.undispatched--)
    }

    override add(frame: unknown): void {
      const bytes = typeof frame === 'string' ? null : toUint8Array(frame)
      if (!bytes || !isCompactFrame(bytes)) return super.add(frame)
      // A malformed compact frame throws like malformed MessagePack does: Socket.IO closes the
      // connection that sent it.
      const packet = decodeCompact(bytes)
      const lane = this.fastLane
      if (lane && this.undispatched === 0 && packet.type === EVENT_PACKET && lane.take(packet)) {
        return
      }
      this.emit('decoded', packet)
    }

    override on(event: string, listener: DecodedListener): this {
      if (event !== 'decoded') return super.on(event, listener)
      const held = this.decoded
      this.decoded = held === null ? listener : [...listenerList(held), listener]
      return this
    }

    override emit(event: string, ...args: unknown[]): this {
      if (event !== 'decoded') return super.emit(event, ...args)
      const lane = this.fastLane
      if (!lane) return this.deliver(args)
      // Socket.IO's listener schedules the packet's dispatch; the release queued after it runs
      // after that dispatch (FIFO), and until then no compact event may overtake the packet.
      this.undispatched++
      try {
        return this.deliver(args)
      } finally {
        lane.defer(() => this.undispatched--)
      }
    }

    private deliver(args: unknown[]): this {
      const held = this.decoded
      if (typeof held === 'function') held.apply(this, args)
      // A copy, as component-emitter does: a listener may add or remove listeners.
      else if (held !== null) for (const listener of [...held]) listener.apply(this, args)
      return this
    }

    // component-emitter's four names for one method: no arguments removes every listener, an
    // event alone every listener of that event, with a listener that one (or its `once` wrapper).
    override off(...args: RemoveArgs): this {
      return this.remove(args)
    }
    override removeListener(...args: RemoveArgs): this {
      return this.remove(args)
    }
    override removeAllListeners(...args: RemoveArgs): this {
      return this.remove(args)
    }
    override removeEventListener(...args: RemoveArgs): this {
      return this.remove(args)
    }

    override listeners(event: string): DecodedListener[] {
      if (event !== 'decoded') return super.listeners(event) as DecodedListener[]
      return this.decoded === null ? [] : [...listenerList(this.decoded)]
    }

    override hasListeners(event: string): boolean {
      return event === 'decoded' ? this.decoded !== null : super.hasListeners(event)
    }

    private remove(args: RemoveArgs): this {
      if (args.length === 0) {
        this.decoded = null
        return super.removeAllListeners()
      }
      const [event, listener] = args
      if (event !== 'decoded') {
        // With the arguments as given: component-emitter tells the forms apart by their count.
        const removeFromTable = super.removeListener as (...rest: RemoveArgs) => this
        return removeFromTable.apply(this, args)
      }
      if (listener === undefined) {
        this.decoded = null
        return this
      }
      const held = listenerList(this.decoded ?? [])
      const index = held.findIndex((l) => l === listener || (l as OnceListener).fn === listener)
      if (index === -1) return this
      const left = held.filter((_, i) => i !== index)
      this.decoded = left.length === 0 ? null : left.length === 1 ? left[0]! : left
      return this
    }
  }
  return { Encoder, Decoder }
}

/** The bytes as an `ArrayBuffer` of exactly their length (no copy when the view owns it whole). */
export const exactArrayBuffer = (bytes: Uint8Array): ArrayBuffer =>
  spansWholeBuffer(bytes) && bytes.buffer instanceof ArrayBuffer
    ? bytes.buffer
    : (bytes.slice().buffer as ArrayBuffer)

/** The parser every client uses (browsers, Node, tests, the benchmark). */
export const clientWireParser = createWireParser(exactArrayBuffer)
