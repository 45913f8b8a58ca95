/**
 * The inbound twin of the direct fan-out (room-fanout.ts): compact events (updates, awareness,
 * `doc:change`) handed from the wire decoder straight to the socket's listeners, past Socket.IO's
 * packet and event layers.
 *
 * For each packet Socket.IO's Client defers `socket._onpacket` by a `process.nextTick`, whose
 * `onevent` adds the ack function, calls the any-listeners (our one shared `dispatch`,
 * socket-server.ts) and then runs the socket's middlewares and, another tick later, emits the
 * event to its own listeners. About 18 µs from WebSocket message to handler, for every keystroke.
 *
 * The lane does what `onevent` does, at once, only when that is the same thing: the socket is
 * connected (so it is the one Socket.IO would look up for the packet's namespace, '/', the only
 * namespace a compact frame names), it has no `socket.use` middlewares and no listeners of the
 * event itself (the later steps of `dispatch` then do nothing). Otherwise the packet takes
 * Socket.IO's path. The ack function is Socket.IO's own (`Socket.prototype.ack`, which
 * direct-acks.ts tags with its id), so acknowledgements still go out directly.
 *
 * Order: the wire Decoder offers nothing while a packet it emitted to Socket.IO still waits for
 * its tick (shared/wire-parser.ts, FastLane), so nothing overtakes a join reply or a MessagePack
 * event read in the same TCP read. `defer` is therefore `process.nextTick`, Socket.IO's scheduler.
 */
import type { WirePacket } from '../../shared/compact-frames.ts'
import type { FastLane } from '../../shared/wire-parser.ts'
import { serverWireParser } from './server-wire-parser.ts'
import type { LoresyncSocket } from './types.ts'

type AnyListener = (this: LoresyncSocket, ...args: unknown[]) => void

/** What the lane reads of Socket.IO's socket (socket.io 4, private members). */
interface SocketInternals {
  readonly client?: { readonly decoder?: unknown }
  /** Socket.IO's ack factory; direct-acks.ts wraps it on the prototype. */
  readonly ack?: (this: LoresyncSocket, id: number) => unknown
  /** The `socket.use` middlewares that `dispatch` runs. */
  readonly fns?: readonly unknown[]
}

/** Called with anything a listener threw: it must not reach the decoder (a "parse error"). */
export type ListenerFailure = (error: unknown) => void

class SocketFastLane implements FastLane {
  constructor(
    private readonly socket: LoresyncSocket,
    private readonly failed: ListenerFailure,
  ) {}

  take(packet: WirePacket): boolean {
    const socket = this.socket
    const internals = socket as unknown as SocketInternals
    const args = packet.data as unknown[]
    if (
      !socket.connected ||
      (internals.fns?.length ?? 0) > 0 ||
      socket.listenerCount(args[0] as string) > 0 ||
      (packet.id !== undefined && typeof internals.ack !== 'function')
    ) {
      return false
    }
    if (packet.id !== undefined) args.push(internals.ack!.call(socket, packet.id))
    const listeners = socket.listenersAny() as AnyListener[]
    try {
      // As `onevent`: a copy, since a listener may add or remove any-listeners.
      if (listeners.length === 1) listeners[0]!.apply(socket, args)
      else for (const listener of listeners.slice()) listener.apply(socket, args)
    } catch (error) {
      this.failed(error)
    }
    return true
  }

  defer(task: () => void): void {
    process.nextTick(task)
  }
}

/**
 * Gives a newly connected socket's connection the fast lane (socket-server.ts, on 'connection');
 * false, and nothing changed, when its decoder is not the wire parser's (e.g. the in-memory test
 * transport). A later socket of the same connection (the client reconnected '/' over it) takes
 * the lane over.
 */
export const installInboundFastLane = (
  socket: LoresyncSocket,
  failed: ListenerFailure,
): boolean => {
  const decoder = (socket as unknown as SocketInternals).client?.decoder
  if (!(decoder instanceof serverWireParser.Decoder)) return false
  decoder.useFastLane(new SocketFastLane(socket, failed))
  return true
}
