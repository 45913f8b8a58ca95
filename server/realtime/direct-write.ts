/**
 * Writing a finished WebSocket frame straight to a client's socket, past Socket.IO and engine.io,
 * when that changes nothing but the cost: engine.io has nothing of its own in flight for the
 * connection (an open WebSocket transport that is writable, with an empty write buffer, no upgrade
 * under way and no compression). That is exactly when engine.io would itself write the frame at
 * once, so the order of everything a client receives is unchanged. Used by the room fan-out
 * (room-fanout.ts) and the acknowledgements (direct-acks.ts).
 */

/** What this module reads of engine.io's connection (engine.io 6, not in its public types). */
export interface EngineConnection {
  readonly readyState: string
  readonly upgrading: boolean
  readonly writeBuffer: readonly unknown[]
  readonly transport: {
    readonly name: string
    readonly writable: boolean
    readonly opts?: { readonly perMessageDeflate?: unknown }
    readonly socket?: { readonly _sender?: FrameSender }
  }
}

/** ws's Sender, as far as a pre-built frame goes. */
interface FrameSender {
  sendFrame(list: Buffer[], cb?: () => void): void
}

/** The sender to write to if engine.io would write at once; else null (go through Socket.IO). */
export const idleSender = (connection: EngineConnection | undefined): FrameSender | null => {
  if (!connection) return null
  const { transport } = connection
  const sender = transport.socket?._sender
  if (
    connection.readyState !== 'open' ||
    connection.upgrading ||
    connection.writeBuffer.length > 0 ||
    transport.name !== 'websocket' ||
    !transport.writable ||
    transport.opts?.perMessageDeflate ||
    typeof sender?.sendFrame !== 'function'
  ) {
    return null
  }
  return sender
}

/** Writes `frame` to the connection's WebSocket if engine.io would do so at once; else false. */
export const writeDirectly = (connection: EngineConnection | undefined, frame: Buffer): boolean => {
  const sender = idleSender(connection)
  if (!sender) return false
  sender.sendFrame([frame])
  return true
}
