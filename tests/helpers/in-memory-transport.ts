/**
 * An in-memory stand-in for Socket.IO, so the real server handlers (server/realtime/*) and the real
 * client provider (client/collab/*) can talk with no network, in an order the test chooses.
 *
 * Like yjs' TestConnector, every message waits in a FIFO queue per (receiver, sender) pair: each
 * connection has one queue towards the server and one towards its client. A test delivers the
 * head of any queue it likes (`deliverRandom`), so messages of one connection keep their order, as
 * over one WebSocket, while connections interleave arbitrarily. Acknowledgements travel in the same
 * queues as everything else.
 *
 * What it mirrors from Socket.IO, because the code under test depends on it:
 * - payloads are copied on send, binary arriving as a `Buffer` on the server and as an
 *   `ArrayBuffer` in the client (what a browser gets), so nothing shares memory across the wire;
 * - an acknowledgement is called at most once; after a disconnect it is never called, and every
 *   message still queued on that connection is dropped;
 * - on disconnect the server socket leaves all its rooms before its `disconnect` listeners run;
 * - a client that emits while disconnected buffers the packet and sends it on the next connect;
 * - a reconnect is a new connection with a new socket id.
 *
 * It implements only the members the handlers and the provider use; the rest of Socket.IO's API is
 * absent on purpose, so a new dependency on it shows up as a failing test here rather than passing
 * silently.
 */
import type { CollabSocket } from '../../client/collab/socket.ts'
import type { LoresyncServer, SocketData } from '../../server/realtime/types.ts'
import type { Random } from './prng.ts'

type Listener = (this: unknown, ...args: unknown[]) => void

class Emitter {
  private readonly listeners = new Map<string, Listener[]>()

  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener])
    return this
  }

  off(event: string, listener: Listener): this {
    const remaining = (this.listeners.get(event) ?? []).filter((l) => l !== listener)
    this.listeners.set(event, remaining)
    return this
  }

  listenerCount(event: string): number {
    return this.listeners.get(event)?.length ?? 0
  }

  protected fire(event: string, args: readonly unknown[]): void {
    // A copy: a listener may remove itself (or others) while we iterate.
    // Called on the emitter, as Node's EventEmitter does: shared listeners read the socket from `this`.
    for (const listener of [...(this.listeners.get(event) ?? [])]) listener.apply(this, [...args])
  }
}

type Packet =
  | { readonly kind: 'event'; readonly event: string; readonly args: unknown[]; ackId?: number }
  | { readonly kind: 'ack'; readonly ackId: number; readonly args: unknown[] }

/** Copies a value the way a serialising transport would, with `binary` deciding the byte type. */
const transfer = (value: unknown, binary: (bytes: Uint8Array) => unknown): unknown => {
  if (value instanceof ArrayBuffer) return binary(new Uint8Array(value.slice(0)))
  if (ArrayBuffer.isView(value)) {
    return binary(new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice())
  }
  if (Array.isArray(value)) return value.map((item) => transfer(item ?? null, binary))
  if (typeof value === 'function') {
    throw new Error('only the last argument of an emit may be a function (the acknowledgement)')
  }
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) out[key] = transfer(item, binary)
    }
    return out
  }
  return value === undefined ? null : value
}

const toServerBytes = (bytes: Uint8Array): Buffer => Buffer.from(bytes)
const toClientBytes = (bytes: Uint8Array): ArrayBuffer =>
  bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer

/** Splits a trailing acknowledgement callback off an argument list. */
const splitAck = (args: readonly unknown[]): { args: unknown[]; ack: Listener | undefined } => {
  const last = args[args.length - 1]
  return typeof last === 'function'
    ? { args: args.slice(0, -1), ack: last as Listener }
    : { args: [...args], ack: undefined }
}

class Connection {
  open = true
  readonly toServer: Packet[] = []
  readonly toClient: Packet[] = []
  readonly server: MemoryServerSocket

  constructor(
    readonly client: MemoryClientSocket,
    id: string,
    io: MemoryServer,
    /** Closes this connection from either side (the network's `close`). */
    readonly close: (reason: string) => void,
  ) {
    this.server = new MemoryServerSocket(id, io, this)
  }
}

/** `io.to(room)`, `io.in(room)` and `socket.to(room)`: a broadcast to a room's sockets. */
class MemoryBroadcast {
  constructor(
    private readonly io: MemoryServer,
    private readonly room: string | undefined,
    private readonly except: string | undefined,
  ) {}

  /** `.local`: this node's sockets only, which in memory (one node) are all of them. */
  get local(): MemoryBroadcast {
    return this
  }

  emit(event: string, ...args: unknown[]): boolean {
    for (const socket of this.targets()) socket.emit(event, ...args)
    return true
  }

  socketsLeave(room: string): void {
    for (const socket of this.targets()) socket.leave(room)
  }

  private targets(): MemoryServerSocket[] {
    const ids =
      this.room === undefined
        ? [...this.io.sockets.sockets.keys()]
        : [...(this.io.sockets.adapter.rooms.get(this.room) ?? [])]
    return ids
      .filter((id) => id !== this.except)
      .map((id) => this.io.sockets.sockets.get(id))
      .filter((socket): socket is MemoryServerSocket => socket !== undefined)
  }
}

/** The server side of one connection, as the handlers see it. */
export class MemoryServerSocket extends Emitter {
  /** Filled by the connection handler (`attachHandlers`), as with Socket.IO. */
  data: Partial<SocketData> = {}

  constructor(
    readonly id: string,
    private readonly io: MemoryServer,
    private readonly connection: Connection,
  ) {
    super()
  }

  get connected(): boolean {
    return this.connection.open
  }

  get disconnected(): boolean {
    return !this.connection.open
  }

  emit(event: string, ...args: unknown[]): boolean {
    if (!this.connection.open) return false
    this.connection.toClient.push({
      kind: 'event',
      event,
      args: args.map((arg) => transfer(arg, toClientBytes)),
    })
    return true
  }

  to(room: string): MemoryBroadcast {
    return new MemoryBroadcast(this.io, room, this.id)
  }

  /** The server ends the connection (a flood, a revoked session): the client does not reconnect. */
  disconnect(_close?: boolean): this {
    this.connection.close('io server disconnect')
    return this
  }

  join(room: string): void {
    if (!this.connection.open) return
    const members = this.io.sockets.adapter.rooms.get(room) ?? new Set<string>()
    members.add(this.id)
    this.io.sockets.adapter.rooms.set(room, members)
  }

  leave(room: string): void {
    const members = this.io.sockets.adapter.rooms.get(room)
    if (!members) return
    members.delete(this.id)
    if (members.size === 0) this.io.sockets.adapter.rooms.delete(room)
  }

  private readonly anyListeners: Listener[] = []

  /** Socket.IO's catch-all: called with the event name first, before the event's own listeners. */
  onAny(listener: Listener): this {
    this.anyListeners.push(listener)
    return this
  }

  private fireEvent(event: string, args: readonly unknown[]): void {
    for (const listener of [...this.anyListeners]) listener.apply(this, [event, ...args])
    this.fire(event, args)
  }

  /** Delivers one packet from the client: the listeners get the arguments and, if asked, an ack. */
  receive(packet: Packet): void {
    if (packet.kind !== 'event') throw new Error('clients do not acknowledge server events here')
    const { ackId } = packet
    if (ackId === undefined) {
      this.fireEvent(packet.event, packet.args)
      return
    }
    let called = false
    const ack: Listener = (...result) => {
      // Socket.IO drops acknowledgements of a closed connection, and sends each at most once.
      if (called || !this.connection.open) return
      called = true
      this.connection.toClient.push({
        kind: 'ack',
        ackId,
        args: result.map((arg) => transfer(arg, toClientBytes)),
      })
    }
    this.fireEvent(packet.event, [...packet.args, ack])
  }

  /** Socket.IO's order: leave every room, forget the socket, then tell the listeners. */
  close(reason: string): void {
    for (const [room, members] of [...this.io.sockets.adapter.rooms]) {
      if (members.has(this.id)) this.leave(room)
    }
    this.io.sockets.sockets.delete(this.id)
    this.fire('disconnect', [reason])
  }
}

/** The server: what `attachHandlers` and the handlers reach through `io`. */
export class MemoryServer {
  readonly sockets = {
    adapter: { rooms: new Map<string, Set<string>>() },
    sockets: new Map<string, MemoryServerSocket>(),
  }
  private readonly connectionListeners: ((socket: MemoryServerSocket) => void)[] = []

  on(event: 'connection', listener: (socket: MemoryServerSocket) => void): this {
    if (event !== 'connection') throw new Error(`the in-memory server has no "${String(event)}"`)
    this.connectionListeners.push(listener)
    return this
  }

  to(room: string): MemoryBroadcast {
    return new MemoryBroadcast(this, room, undefined)
  }

  in(room: string): MemoryBroadcast {
    return this.to(room)
  }

  emit(event: string, ...args: unknown[]): boolean {
    return new MemoryBroadcast(this, undefined, undefined).emit(event, ...args)
  }

  accept(socket: MemoryServerSocket): void {
    this.sockets.sockets.set(socket.id, socket)
    for (const listener of this.connectionListeners) listener(socket)
  }
}

/** The client side of a connection, as CollabClient and ElementSession see their socket. */
export class MemoryClientSocket extends Emitter {
  /** The Manager's events; `reconnect_attempt` never fires: tests reconnect explicitly. */
  readonly io = new Emitter()
  private connection: Connection | undefined
  private readonly acks = new Map<number, Listener>()
  private nextAckId = 0
  private sendBuffer: Packet[] = []

  constructor(private readonly network: MemoryNetwork) {
    super()
  }

  get id(): string | undefined {
    return this.connection?.server.id
  }

  get connected(): boolean {
    return this.connection?.open ?? false
  }

  get disconnected(): boolean {
    return !this.connected
  }

  /** Nothing reconnects on its own in memory, so the socket is active exactly while connected. */
  get active(): boolean {
    return this.connected
  }

  connect(): this {
    if (!this.connected) this.network.open(this)
    return this
  }

  disconnect(): this {
    if (this.connection?.open) this.connection.close('io client disconnect')
    return this
  }

  emit(event: string, ...rawArgs: unknown[]): this {
    const { args, ack } = splitAck(rawArgs)
    const packet: Packet = {
      kind: 'event',
      event,
      args: args.map((arg) => transfer(arg, toServerBytes)),
    }
    if (ack) {
      packet.ackId = ++this.nextAckId
      this.acks.set(packet.ackId, ack)
    }
    if (this.connection?.open) this.connection.toServer.push(packet)
    else this.sendBuffer.push(packet)
    return this
  }

  /** Called by the network once the server has accepted the connection. */
  opened(connection: Connection): void {
    this.connection = connection
    const buffered = this.sendBuffer
    this.sendBuffer = []
    connection.toServer.push(...buffered)
    this.fire('connect', [])
  }

  /** Called by the network when the connection is gone: pending acknowledgements never fire. */
  closed(reason: string): void {
    this.acks.clear()
    this.fire('disconnect', [reason])
  }

  receive(packet: Packet): void {
    if (packet.kind === 'event') {
      this.fire(packet.event, packet.args)
      return
    }
    const ack = this.acks.get(packet.ackId)
    this.acks.delete(packet.ackId)
    ack?.(...packet.args)
  }
}

/**
 * The single cast between the stand-ins and the Socket.IO types the real code is written against.
 * The stand-ins implement, structurally, the members the handlers and the provider use; TypeScript
 * cannot check that against Socket.IO's generic, overloaded declarations, so the tests are what
 * checks it.
 */
const asSocketIo = <Real>(standIn: MemoryServer | MemoryClientSocket): Real =>
  standIn as unknown as Real

/** The whole in-memory network: one server and any number of client sockets. */
export class MemoryNetwork {
  readonly memoryServer = new MemoryServer()
  /** The server, typed as the handlers expect it. */
  readonly server: LoresyncServer = asSocketIo<LoresyncServer>(this.memoryServer)
  private readonly connections: Connection[] = []
  private nextSocketId = 0

  /** A new, not yet connected client socket, typed as the provider expects it. */
  createClientSocket(): CollabSocket {
    return asSocketIo<CollabSocket>(new MemoryClientSocket(this))
  }

  /** Messages waiting in every queue. */
  get pendingMessages(): number {
    return this.connections.reduce(
      (sum, connection) => sum + connection.toServer.length + connection.toClient.length,
      0,
    )
  }

  /**
   * Delivers the oldest message of one non-empty queue, chosen at random. Returns false when every
   * queue is empty.
   */
  deliverRandom(random: Random): boolean {
    const queues: { connection: Connection; toServer: boolean }[] = []
    for (const connection of this.connections) {
      if (connection.toServer.length > 0) queues.push({ connection, toServer: true })
      if (connection.toClient.length > 0) queues.push({ connection, toServer: false })
    }
    if (queues.length === 0) return false
    const { connection, toServer } = random.pick(queues)
    const packet = (toServer ? connection.toServer : connection.toClient).shift()
    if (packet && toServer) connection.server.receive(packet)
    else if (packet) connection.client.receive(packet)
    return true
  }

  open(client: MemoryClientSocket): void {
    const connection: Connection = new Connection(
      client,
      `memory-${++this.nextSocketId}`,
      this.memoryServer,
      (reason) => this.close(connection, reason),
    )
    this.connections.push(connection)
    this.memoryServer.accept(connection.server)
    client.opened(connection)
  }

  /** Closes a connection: both queues are dropped, then each side is told. */
  close(connection: Connection, reason: string): void {
    if (!connection.open) return
    connection.open = false
    connection.toServer.length = 0
    connection.toClient.length = 0
    this.connections.splice(this.connections.indexOf(connection), 1)
    connection.client.closed(reason)
    connection.server.close(
      reason === 'io client disconnect'
        ? 'client namespace disconnect'
        : 'server namespace disconnect',
    )
  }
}
