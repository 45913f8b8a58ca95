/**
 * The hot broadcasts (an update, a caret, or both, to everyone else in an element's room) written
 * straight to each recipient's WebSocket: encoded once, framed once, one `write` per recipient.
 *
 * Socket.IO's own broadcast already encodes once (and, with preframed-broadcasts.ts, frames once),
 * but then runs each recipient through its per-socket path: the adapter's room walk with an
 * exclusion set, then engine.io's packet object, write buffer, `flush`, and four events per
 * packet, and a `drain` round after the write. In the typing benchmark that path cost about a
 * tenth of the server's busy time, as much as the rest of our handlers together.
 *
 * A recipient is written to directly only when engine.io has nothing of its own in flight for it
 * (direct-write.ts), so the order of everything a client receives is unchanged. Any other
 * recipient gets the event through Socket.IO as usual. Only for one node: with several, rooms span nodes and the adapter
 * must carry the broadcast (doc-handlers.ts decides).
 */
import type { ServerToClientEvents } from '../../shared/protocol.ts'
import { writeDirectly, type EngineConnection } from './direct-write.ts'
import { binaryFrame } from './preframed-broadcasts.ts'
import type { LoresyncServer, LoresyncSocket } from './types.ts'

/** The events this fan-out carries; all of them binary and frequent. */
type HotEvent = 'doc:update' | 'doc:change' | 'awareness:update'

/** The server's packet encoder (shared/wire-parser.ts). */
export interface PacketEncoder {
  encode(packet: { type: number; nsp: string; data: unknown[]; id?: number }): unknown[]
}

const EVENT_PACKET = 2

export class RoomFanout {
  constructor(
    private readonly io: LoresyncServer,
    /** Also what direct-acks.ts encodes acknowledgements with. */
    readonly encoder: PacketEncoder,
  ) {}

  /** Sends `event` to every socket of `room` on this node except `sender` (to all with null). */
  emitToOthers<E extends HotEvent>(
    sender: LoresyncSocket | null,
    room: string,
    event: E,
    ...args: Parameters<ServerToClientEvents[E]>
  ): void {
    const namespace = this.io.sockets
    const members = namespace.adapter.rooms.get(room)
    const senderId = sender?.id
    if (!members || (senderId !== undefined && members.size === 1 && members.has(senderId))) return
    const [encoded] = this.encoder.encode({ type: EVENT_PACKET, nsp: '/', data: [event, ...args] })
    const frame = Buffer.isBuffer(encoded) ? binaryFrame(encoded) : null
    for (const id of members) {
      if (id === senderId) continue
      const socket = namespace.sockets.get(id)
      if (!socket) continue
      const connection = socket.conn as unknown as EngineConnection | undefined
      if (frame && connection && writeDirectly(connection, frame)) continue
      // Typed per event by the caller's signature; Socket.IO's emit cannot see that through E.
      ;(socket.emit as (event: E, ...args: Parameters<ServerToClientEvents[E]>) => boolean)(
        event,
        ...args,
      )
    }
  }
}
