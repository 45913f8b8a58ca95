/**
 * Compact events (updates, awareness, `doc:change`) handed from the wire decoder straight to the
 * socket's listeners, past socket.io-client's layers: the Manager defers every decoded packet by a
 * tick and emits it as 'packet' to each of its sockets, whose `onevent` calls `emitEvent`. The
 * benchmark driver runs 1,000 clients on one core, where that path was a large share of each
 * delivery; a browser tab pays it on every remote keystroke.
 *
 * The lane does what that path does, at once, only when that is the same thing:
 * - the packet carries no ack id (the lane builds no ack function), and its namespace is '/' (the
 *   only one a compact frame names) and so is the socket's;
 * - the socket is connected (otherwise socket.io-client buffers the event until it is);
 * - the Manager's only 'packet' listener is this socket's: no other namespace's socket and no
 *   listener of its own would see the packet;
 * - the socket has no any-listeners (`onAny`), and the event's last argument is not a string, so
 *   `emitEvent`'s connection-state-recovery bookkeeping (`_lastOffset`) has nothing to record.
 * It then calls the event's listeners as `emitEvent` does: a copy of the list, each with the
 * socket as `this` and the same arguments.
 *
 * Order: the wire Decoder offers nothing while a packet it emitted to the Manager still waits for
 * its tick (shared/wire-parser.ts, FastLane). `defer` is therefore engine.io-client's `nextTick`,
 * the one the Manager uses (`process.nextTick` in Node, a resolved promise in browsers).
 */
import { nextTick } from 'engine.io-client'
import type { WirePacket } from '../../shared/compact-frames.ts'
import { clientWireParser, type FastLane } from '../../shared/wire-parser.ts'
import type { CollabSocket } from './socket.ts'

type Listener = (this: CollabSocket, ...args: unknown[]) => void

/** What the lane reads of socket.io-client's Socket (socket.io-client 4, private). */
interface SocketInternals {
  readonly nsp?: string
}

/** What the lane reads of socket.io-client's Manager (socket.io-client 4, private members). */
interface ManagerInternals {
  readonly decoder?: unknown
  readonly setTimeoutFn?: typeof setTimeout
  listeners(event: 'packet'): readonly unknown[]
}

class SocketFastLane implements FastLane {
  constructor(
    private readonly socket: CollabSocket,
    private readonly manager: ManagerInternals,
  ) {}

  take(packet: WirePacket): boolean {
    const socket = this.socket
    const args = packet.data as unknown[]
    if (
      packet.id !== undefined ||
      !socket.connected ||
      this.manager.listeners('packet').length !== 1 ||
      socket.listenersAny().length > 0 ||
      typeof args[args.length - 1] === 'string'
    ) {
      return false
    }
    const [event, ...rest] = args
    const listeners = (socket.listeners as (event: unknown) => Listener[])(event)
    if (listeners.length === 0) return true
    try {
      for (const listener of listeners.slice()) listener.apply(socket, rest)
    } catch (error) {
      // Where the Manager's path would have surfaced it (thrown from its tick), not into the
      // decoder, which would close the connection as a parse error.
      this.defer(() => {
        throw error
      })
    }
    return true
  }

  defer(task: () => void): void {
    nextTick(task, this.manager.setTimeoutFn)
  }
}

/**
 * Gives the socket's Manager the fast lane for it (createSocket); false, and nothing changed, for
 * a socket of another namespace or a Manager whose decoder is not the wire parser's. A Manager
 * keeps one '/' socket for its whole life (createSocket calls sharing a Manager get the same
 * one), so the lane never has to move.
 */
export const installInboundFastLane = (socket: CollabSocket): boolean => {
  const manager = socket.io as unknown as ManagerInternals
  const decoder = manager.decoder
  const { nsp } = socket as unknown as SocketInternals
  if (nsp !== '/' || !(decoder instanceof clientWireParser.Decoder)) return false
  decoder.useFastLane(new SocketFastLane(socket, manager))
  return true
}
