/**
 * Acknowledgements written straight to the client's WebSocket, the way room-fanout.ts writes
 * broadcasts.
 *
 * Every stored update is acknowledged. In the fan-out benchmark (T2: five clients per element, all
 * typing) that is one acknowledgement for every four relayed frames, and Socket.IO's path for it
 * (packet object, engine.io's write buffer and flush, ws framing the header and the payload as a
 * corked two-buffer `writev`, then a drain round) was a tenth of the server's busy time, nearly
 * as much as relaying the updates themselves.
 *
 * Socket.IO hands a listener an ack function that hides the packet id it answers.
 * `exposeAckIds` wraps `Socket.prototype.ack` once so each such function carries its id;
 * `writeAck` then encodes the ACK packet with the server's own parser and writes it as one frame
 * when engine.io has nothing in flight for the connection (direct-write.ts). When it cannot, the
 * caller uses the ack function as usual. A socket.io without `Socket.prototype.ack` leaves ids
 * hidden, and every acknowledgement takes Socket.IO's path.
 */
import { Socket } from 'socket.io'
import { idleSender, type EngineConnection } from './direct-write.ts'
import { binaryFrame } from './preframed-broadcasts.ts'
import type { PacketEncoder } from './room-fanout.ts'
import type { LoresyncSocket } from './types.ts'

/** socket.io-parser's ACK packet type. */
const ACK_PACKET = 3

const ACK_ID = Symbol('loresync.ackId')

type AckFunction = ((...args: unknown[]) => void) & { [ACK_ID]?: number }

/** Socket.IO's private ack factory (socket.io 4, not in its public types). */
interface AckFactory {
  ack?: (this: Socket, id: number) => AckFunction
}

let exposed = false

/** Makes every ack function Socket.IO creates from now on carry its packet id (idempotent). */
export const exposeAckIds = (): void => {
  if (exposed) return
  const prototype = Socket.prototype as unknown as AckFactory
  const create = prototype.ack
  if (typeof create !== 'function') return
  exposed = true
  prototype.ack = function (this: Socket, id: number): AckFunction {
    const ack = create.call(this, id)
    ack[ACK_ID] = id
    return ack
  }
}

/** The packet id `ack` answers, if it is a Socket.IO ack function created after exposeAckIds. */
export const ackIdOf = (ack: unknown): number | undefined =>
  typeof ack === 'function' ? (ack as AckFunction)[ACK_ID] : undefined

/**
 * Writes the acknowledgement of packet `id` carrying `data` straight to the socket's WebSocket if
 * engine.io would write it at once; false (nothing sent) otherwise.
 */
export const writeAck = (
  encoder: PacketEncoder,
  socket: LoresyncSocket,
  id: number,
  data: unknown[],
): boolean => {
  const sender = idleSender(socket.conn as unknown as EngineConnection | undefined)
  if (!sender) return false
  const encoded = encoder.encode({ type: ACK_PACKET, nsp: '/', id, data })
  const [only] = encoded
  if (encoded.length !== 1 || !Buffer.isBuffer(only)) return false
  sender.sendFrame([binaryFrame(only)])
  return true
}
