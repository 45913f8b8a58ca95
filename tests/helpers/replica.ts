/**
 * A bare-protocol client for multi-node tests: one Y.Doc joined to one element over one socket,
 * that records which of its own edits the server acknowledged. It can move to another node with
 * its document (what a browser does when its node dies and the load balancer sends it elsewhere).
 * It signs in with an access token (tests/helpers/auth.ts), which every node of a cluster accepts.
 */
import { io, type Socket } from 'socket.io-client'
import { clientWireParser } from '../../shared/wire-parser.ts'
import * as Y from 'yjs'
import { applyAwarenessUpdate, Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness'
import { toUint8Array } from '../../shared/binary.ts'
import { getFields, getTags, readTags } from '../../shared/element-doc.ts'
import type {
  AckResult,
  ClientToServerEvents,
  JoinResult,
  ServerToClientEvents,
} from '../../shared/protocol.ts'
import { onEvent, until } from './events.ts'

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>

const REMOTE = Symbol('remote')

export class Replica {
  readonly doc = new Y.Doc()
  readonly awareness = new Awareness(this.doc)
  /** Tags whose update the server acknowledged: committed, so they must never be lost. */
  readonly acked = new Set<string>()
  private socket: ClientSocket | undefined

  constructor(
    readonly name: string,
    readonly docId: string,
    private readonly token: string,
  ) {
    // The test drives awareness explicitly; no periodic renewal timers in the way.
    this.awareness.setLocalState(null)
  }

  get connected(): boolean {
    return this.socket?.connected ?? false
  }

  /** Connects to `url`, joins the element, and sends what the server lacks. */
  async connect(url: string): Promise<void> {
    this.socket?.disconnect()
    const socket: ClientSocket = io(url, {
      auth: { token: this.token },
      transports: ['websocket'],
      parser: clientWireParser,
      reconnection: false,
      forceNew: true,
    })
    this.socket = socket
    socket.on('doc:update', (docId, update) => {
      if (docId === this.docId) Y.applyUpdate(this.doc, toUint8Array(update) ?? update, REMOTE)
    })
    socket.on('awareness:update', (docId, update) => {
      if (docId === this.docId) {
        applyAwarenessUpdate(this.awareness, toUint8Array(update) ?? update, REMOTE)
      }
    })
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('connect_error', reject)
    })
    const joined = await new Promise<JoinResult>((resolve) =>
      socket.emit(
        'doc:join',
        { docId: this.docId, stateVector: Y.encodeStateVector(this.doc) },
        resolve,
      ),
    )
    if (!joined.ok) throw new Error(`${this.name}: join failed: ${joined.error.message}`)
    Y.applyUpdate(this.doc, toUint8Array(joined.update) ?? joined.update, REMOTE)
    applyAwarenessUpdate(this.awareness, toUint8Array(joined.awareness) ?? joined.awareness, REMOTE)
    const missing = Y.encodeStateAsUpdate(this.doc, toUint8Array(joined.stateVector) ?? undefined)
    const result = await this.send(missing)
    if (!result.ok)
      throw new Error(`${this.name}: handshake update refused: ${result.error.message}`)
    // Everything this replica held is now committed, its own unacknowledged tags included.
    for (const tag of readTags(this.doc)) if (tag.startsWith(`${this.name}:`)) this.acked.add(tag)
  }

  disconnect(): void {
    this.socket?.disconnect()
  }

  /** Adds a tag; resolves true once the server acknowledged it, false if the connection broke. */
  async addTag(tag: string): Promise<boolean> {
    const before = Y.encodeStateVector(this.doc)
    getTags(this.doc).push([tag])
    const result = await this.send(Y.encodeStateAsUpdate(this.doc, before))
    if (result.ok) this.acked.add(tag)
    return result.ok
  }

  /** Renames the element (the name field), as an editor does. */
  async rename(name: string): Promise<boolean> {
    const before = Y.encodeStateVector(this.doc)
    this.doc.transact(() => getFields(this.doc).set('name', new Y.Text(name)))
    return (await this.send(Y.encodeStateAsUpdate(this.doc, before))).ok
  }

  /** Announces a presence state for this replica's client id. */
  announce(state: Record<string, unknown>): void {
    this.awareness.setLocalState(state)
    const update = encodeAwarenessUpdate(this.awareness, [this.doc.clientID])
    this.socket?.emit('awareness:update', this.docId, update)
  }

  /** Resolves when `condition` holds, re-checked on every document or presence change. */
  until(what: string, condition: () => boolean, timeoutMs = 15_000): Promise<void> {
    const docChanges = onEvent(this.doc, 'update')
    const presenceChanges = onEvent(this.awareness, 'change')
    return until(
      `${this.name}: ${what}`,
      condition,
      (check) => {
        const offDoc = docChanges(check)
        const offPresence = presenceChanges(check)
        return () => {
          offDoc()
          offPresence()
        }
      },
      timeoutMs,
    )
  }

  destroy(): void {
    this.socket?.disconnect()
    this.awareness.destroy()
    this.doc.destroy()
  }

  private send(update: Uint8Array): Promise<AckResult> {
    const socket = this.socket
    if (!socket?.connected) return Promise.resolve(disconnected)
    return new Promise((resolve) => {
      const onDisconnect = (): void => resolve(disconnected)
      socket.once('disconnect', onDisconnect)
      socket.emit('doc:update', this.docId, update, (result) => {
        socket.off('disconnect', onDisconnect)
        resolve(result)
      })
    })
  }
}

const disconnected: AckResult = {
  ok: false,
  error: { code: 'unavailable', message: 'disconnected before the acknowledgement' },
}
