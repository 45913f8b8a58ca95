/**
 * A bare Socket.IO client speaking the wire contract directly, for tests that need to see each
 * acknowledgement of each update (the provider only counts them).
 */
import { io, type Socket } from 'socket.io-client'
import { clientWireParser } from '../../../shared/wire-parser.ts'
import * as Y from 'yjs'
import type {
  ClientToServerEvents,
  ServerNotice,
  ServerToClientEvents,
} from '../../../shared/protocol.ts'
import type { ErrorCode } from '../../../shared/errors.ts'
import { toUint8Array } from '../../../shared/binary.ts'
import { insertToken } from './tokens.ts'

type RawSocket = Socket<ServerToClientEvents, ClientToServerEvents>

export class RawClient {
  readonly socket: RawSocket
  readonly doc = new Y.Doc()
  readonly sent = new Set<string>()
  readonly acked = new Set<string>()
  readonly refused = new Map<string, ErrorCode>()
  readonly notices: ServerNotice[] = []
  /** Called with each token as its acknowledgement arrives (before anything else sees it). */
  onAck: (token: string) => void = () => {}
  private counter = 0

  constructor(
    readonly name: string,
    url: string,
    readonly docId: string,
    token: string,
  ) {
    this.socket = io(url, {
      auth: { token },
      transports: ['websocket'],
      parser: clientWireParser,
      forceNew: true,
      reconnection: false,
    })
    this.socket.on('server:notice', (notice) => this.notices.push(notice))
    this.socket.on('doc:update', (_docId, update) => {
      const bytes = toUint8Array(update)
      if (bytes) Y.applyUpdate(this.doc, bytes, 'remote')
    })
  }

  async join(): Promise<void> {
    if (!this.socket.connected)
      await new Promise((resolve) => this.socket.once('connect', () => resolve(undefined)))
    const result = await this.socket.emitWithAck('doc:join', {
      docId: this.docId,
      stateVector: Y.encodeStateVector(this.doc),
    })
    if (!result.ok) throw new Error(`${this.name}: join refused: ${result.error.message}`)
    Y.applyUpdate(this.doc, toUint8Array(result.update)!, 'remote')
  }

  /** Inserts one token and sends its update; the answer lands in `acked` or `refused`. */
  send(): string {
    const token = `t:${this.name}:${this.counter++}`
    let update: Uint8Array | undefined
    const capture = (bytes: Uint8Array) => (update = bytes)
    this.doc.once('update', capture)
    insertToken(this.doc, token)
    this.sent.add(token)
    this.socket.emit('doc:update', this.docId, update!, (result) => {
      if (result.ok) {
        this.acked.add(token)
        this.onAck(token)
      } else {
        this.refused.set(token, result.error.code)
      }
    })
    return token
  }

  close(): void {
    this.socket.disconnect()
    this.doc.destroy()
  }
}
