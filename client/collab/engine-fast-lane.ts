/**
 * A WebSocket message handed from engine.io-client's transport straight to the one listener of
 * its engine socket's 'data' event (socket.io-client's Manager, which feeds the wire decoder),
 * past two layers of events: the transport emits each decoded packet as 'packet' to the engine
 * socket, which emits 'packet', 'heartbeat', 'data' and 'message' in turn, copying each event's
 * listener list as it goes. Every remote keystroke of every open element takes that path; in the
 * benchmark driver it was a tenth of a delivery's cost.
 *
 * The lane does what that path does, at once, only when that is the same thing: a 'message'
 * packet (pings, pongs, errors and the handshake keep the engine's own handling) on the engine's
 * current transport, with the engine open, exactly one listener on the transport's 'packet' (the
 * engine's own) and on the engine's 'data', and none on its 'packet', 'heartbeat' and 'message'.
 * Anything else goes the usual way, and so does a listener added later: the checks run for every
 * packet. Nothing is reordered: the engine handles a packet synchronously as the transport emits
 * it, and so does the lane.
 */

/** A packet as engine.io-parser decodes it. */
interface EnginePacket {
  readonly type: string
  readonly data?: unknown
}

type Listener = (this: unknown, ...args: unknown[]) => void

/** What the lane reads of a component-emitter (engine.io-client's and socket.io-client's). */
interface Emitter {
  listeners(event: string): readonly Listener[]
  hasListeners(event: string): boolean
}

/** engine.io-client 6's transport, as far as the lane goes (private members). */
interface EngineTransport extends Emitter {
  onPacket(packet: EnginePacket): void
}

/** engine.io-client 6's Socket, as far as the lane goes (private members). */
interface EngineSocket extends Emitter {
  readonly readyState: string
  readonly transport?: EngineTransport
}

/** socket.io-client 4's Manager, as far as the lane goes (private members). */
interface ManagerInternals {
  readonly engine?: EngineSocket
  on(event: 'open', listener: () => void): unknown
}

/** Transports that already have the lane: a Manager opens a new engine on every reconnect. */
const laned = new WeakSet<EngineTransport>()

/** The one listener the engine's 'data' event would call for `packet`, or null. */
const directListener = (
  engine: EngineSocket,
  transport: EngineTransport,
  packet: EnginePacket,
): Listener | null => {
  if (
    packet.type !== 'message' ||
    engine.readyState !== 'open' ||
    engine.transport !== transport ||
    transport.listeners('packet').length !== 1 ||
    engine.hasListeners('packet') ||
    engine.hasListeners('heartbeat') ||
    engine.hasListeners('message')
  ) {
    return null
  }
  const listeners = engine.listeners('data')
  return listeners.length === 1 ? (listeners[0] ?? null) : null
}

const laneTransport = (engine: EngineSocket): void => {
  const transport = engine.transport
  if (!transport || laned.has(transport) || typeof transport.onPacket !== 'function') return
  laned.add(transport)
  const usual = transport.onPacket
  transport.onPacket = function (this: EngineTransport, packet: EnginePacket): void {
    const listener = directListener(engine, transport, packet)
    if (listener) listener.call(engine, packet.data)
    else usual.call(this, packet)
  }
}

/**
 * Gives every engine the Manager opens, now and after each reconnect, the lane (createSocket).
 * The Manager emits 'open' once its engine is open, before it subscribes to the engine's 'data':
 * the lane checks the listeners at each packet, not here.
 */
export const installEngineFastLane = (manager: unknown): void => {
  const internals = manager as ManagerInternals
  const lane = (): void => {
    if (internals.engine) laneTransport(internals.engine)
  }
  internals.on('open', lane)
  // A Manager shared with an earlier socket may be open already.
  if (internals.engine?.readyState === 'open') lane()
}
