/**
 * The inbound fast lane (shared/wire-parser.ts FastLane, server/realtime/inbound-fast-lane.ts,
 * client/collab/inbound-fast-lane.ts): compact events reach their listeners straight from the
 * decoder, in the order they were sent among all other packets, and take Socket.IO's path whenever
 * the lane would not do the same thing. On the client, every message also goes straight from
 * engine.io-client's transport to the decoder (client/collab/engine-fast-lane.ts), unless something
 * else listens to the engine's events.
 *
 * Order is at stake when several frames arrive in one TCP read: Socket.IO handles each decoded
 * packet a tick later, while the lane would handle a compact one at once. So the tests write frames
 * together on purpose (one corked write: a raw engine.io client towards the server, the server's
 * own WebSocket towards a socket.io-client) and check which path each event took. Real Loresync
 * server or bare Socket.IO server on 127.0.0.1 (port 0), real socket.io-client; waits resolve on
 * events. Property runs are seeded: SEED=<n> replays one; fast-check prints the seed of a failure.
 */
import { EventEmitter } from 'node:events'
import type { Socket as TcpSocket } from 'node:net'
import fc from 'fast-check'
import { pino } from 'pino'
import type { Socket as ServerSocket } from 'socket.io'
import { describe, expect, it, onTestFinished } from 'vitest'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { createSocket, type CollabSocket } from '../client/collab/socket.ts'
import { serverWireParser } from '../server/realtime/server-wire-parser.ts'
import type { LoresyncSocket } from '../server/realtime/types.ts'
import type { WirePacket } from '../shared/compact-frames.ts'
import { clientWireParser, type FastLane } from '../shared/wire-parser.ts'
import { createElement, createWorld } from './helpers/api-client.ts'
import { awarenessFrame } from './helpers/awareness-frames.ts'
import { onEvent, until } from './helpers/events.ts'
import { nameText, useRawSocket, useServer } from './helpers/sync-fixtures.ts'
import type { TestServerOptions } from './helpers/test-server.ts'
import { startWireServer } from './helpers/wire-server.ts'

const SEED = Number(process.env.SEED ?? 42)

/** socket.io-parser packet types. */
const CONNECT = 0
const DISCONNECT = 1
const EVENT = 2
const ACK = 3

const COMPACT_EVENTS = ['doc:update', 'awareness:update', 'doc:change'] as const
type CompactEvent = (typeof COMPACT_EVENTS)[number]
const isCompactEvent = (name: unknown): name is CompactEvent =>
  COMPACT_EVENTS.includes(name as CompactEvent)

// Every test packet names its place in the sequence in its element id (a canonical UUID, so the
// compact events travel compact): the receiver reads the order off the ids.
const MARK = '00000000-0000-4000-8000-'
const docIdOf = (seq: number): string => MARK + seq.toString(16).padStart(12, '0')
const seqOf = (docId: unknown): number | null =>
  typeof docId === 'string' && docId.startsWith(MARK)
    ? parseInt(docId.slice(MARK.length), 16)
    : null

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from }, (_, i) => from + i)

/** An EVENT packet: `name` with the sequence number's element id and what the event carries. */
const eventPacket = (name: string, seq: number, id?: number): WirePacket => {
  const docId = docIdOf(seq)
  const bytes = new Uint8Array([seq & 0xff, 1, 2])
  const data =
    name === 'doc:change'
      ? [name, docId, bytes, new Uint8Array([7])]
      : name === 'doc:role'
        ? [name, docId, 'editor']
        : name === 'doc:error'
          ? [name, docId, { code: 'internal', message: 'a test error' }]
          : [name, docId, bytes]
  return id === undefined ? { type: EVENT, nsp: '/', data } : { type: EVENT, nsp: '/', data, id }
}

/** The sequence numbers a receiver handled, in order, with a way to await them. */
class Handled extends EventEmitter {
  readonly seqs: number[] = []

  record(docId: unknown): void {
    const seq = seqOf(docId)
    if (seq === null) return
    this.seqs.push(seq)
    this.emit('change')
  }

  count(total: number): Promise<void> {
    return until(
      `${total} packets handled`,
      () => this.seqs.length >= total,
      onEvent(this, 'change'),
    )
  }
}

/**
 * A bare engine.io v4 client on a WebSocket speaking the Loresync wire parser: it can write any
 * frames, several in one TCP write, which socket.io-client never does.
 */
class RawWire extends EventEmitter {
  readonly received: WirePacket[] = []
  private isClosed = false
  private readonly encoder = new clientWireParser.Encoder()
  private readonly decoder = new clientWireParser.Decoder()

  private constructor(
    private readonly ws: WebSocket,
    token: string,
  ) {
    super()
    ws.once('close', () => {
      this.isClosed = true
      this.emit('closed')
    })
    this.decoder.on('decoded', (packet: WirePacket) => {
      this.received.push(packet)
      this.emit('packet')
    })
    ws.on('message', (data, isBinary) => {
      if (isBinary) return this.decoder.add(data)
      const text = String(data)
      // engine.io's ping, and its handshake, after which Socket.IO's CONNECT goes out.
      if (text === '2') ws.send('3')
      else if (text.startsWith('0')) this.send([{ type: CONNECT, nsp: '/', data: { token } }])
    })
  }

  /** Connected to the default namespace with `token`. */
  static async connect(url: string, token: string): Promise<RawWire> {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`)
    onTestFinished(() => ws.terminate())
    const wire = new RawWire(ws, token)
    await wire.next((packet) => packet.type === CONNECT)
    return wire
  }

  /** Resolves once the server closed the connection. */
  closed(): Promise<void> {
    return until('the server to close the connection', () => this.isClosed, onEvent(this, 'closed'))
  }

  /** Resolves with the first packet received from now on that `matches`. */
  next(matches: (packet: WirePacket) => boolean): Promise<WirePacket> {
    const from = this.received.length
    const found = (): WirePacket | undefined => this.received.slice(from).find(matches)
    return until('a packet from the server', () => !!found(), onEvent(this, 'packet')).then(() =>
      found()!,
    )
  }

  /** The packets encoded and written in one TCP write, so the server reads them together. */
  send(packets: readonly WirePacket[]): void {
    this.sendFrames(packets.flatMap((packet) => this.encoder.encode(packet) as ArrayBuffer[]))
  }

  sendFrames(frames: readonly (ArrayBuffer | Uint8Array)[]): void {
    const tcp = (this.ws as unknown as { _socket: TcpSocket })._socket
    tcp.cork()
    for (const frame of frames) this.ws.send(frame)
    tcp.uncork()
  }
}

/** Records in `seqs` the compact events that take Socket.IO's path (`Socket#_onpacket`). */
const trackSocketIoPath = (socket: LoresyncSocket, seqs: number[] = []): number[] => {
  const internals = socket as unknown as { _onpacket(packet: WirePacket): void }
  const onpacket = internals._onpacket
  internals._onpacket = function (this: unknown, packet: WirePacket) {
    const [name, docId] = (packet.data ?? []) as unknown[]
    if (packet.type === EVENT && isCompactEvent(name)) seqs.push(seqOf(docId) ?? -1)
    onpacket.call(this, packet)
  }
  return seqs
}

const HIGH = { points: 1_000_000, seconds: 10 }

interface ServerEnd {
  readonly wire: RawWire
  readonly socket: LoresyncSocket
  readonly handled: Handled
  /** Compact events handled through Socket.IO's path; the others took the fast lane. */
  readonly viaSocketIo: number[]
}

/**
 * A Loresync server and a raw client connected to it. The test packets name elements nobody
 * joined, which the handlers refuse: the limits are lifted so refusals never end the connection.
 * `prepare` runs on the server socket as it connects, after the probe that records the order.
 */
const serverEnd = async (
  options: TestServerOptions = {},
  prepare: (socket: LoresyncSocket) => void = () => {},
): Promise<ServerEnd> => {
  const server = await useServer({
    abuseLimits: { messagesPerSocket: HIGH, messagesPerAddress: HIGH, offencesPerSocket: HIGH },
    ...options,
  })
  const handled = new Handled()
  const viaSocketIo: number[] = []
  const connected = new Promise<LoresyncSocket>((resolve) =>
    server.app.io.once('connection', (socket) => {
      // Any-listeners are what both paths call: the probe sees each event where the handlers do.
      socket.prependAny((_event: unknown, docId: unknown) => handled.record(docId))
      trackSocketIoPath(socket, viaSocketIo)
      prepare(socket)
      resolve(socket)
    }),
  )
  const wire = await RawWire.connect(server.url, server.token)
  const socket = await connected
  return { wire, socket, handled, viaSocketIo }
}

interface ClientEnd {
  readonly client: CollabSocket
  readonly server: ServerSocket
  readonly handled: Handled
  /** Compact events handed to socket.io-client's `emitEvent`; the others took the fast lane. */
  readonly viaSocketIo: number[]
  /** Writes the packets from the server in one TCP write, so the client reads them together. */
  readonly send: (packets: readonly WirePacket[]) => void
  readonly url: string
}

const serverEncoder = new serverWireParser.Encoder()

/** A bare Socket.IO server and a client made by createSocket, connected. */
const clientEnd = async (): Promise<ClientEnd> => {
  const { io, url } = await startWireServer()
  io.of('/other')
  const connected = new Promise<ServerSocket>((resolve) => io.once('connection', resolve))
  const client = createSocket({ url, options: { forceNew: true, reconnection: false } })
  onTestFinished(() => void client.close())
  const handled = new Handled()
  const record = (docId: unknown): void => handled.record(docId)
  const listen = client as unknown as {
    on(event: string, listener: (docId: unknown) => void): void
  }
  for (const name of [...COMPACT_EVENTS, 'doc:role', 'doc:error']) listen.on(name, record)
  const viaSocketIo: number[] = []
  const internals = client as unknown as { emitEvent(args: unknown[]): void }
  const emitEvent = internals.emitEvent
  internals.emitEvent = function (this: unknown, args: unknown[]) {
    if (isCompactEvent(args[0])) viaSocketIo.push(seqOf(args[1]) ?? -1)
    emitEvent.call(this, args)
  }
  const server = await connected
  if (!client.connected) await new Promise<void>((resolve) => client.once('connect', resolve))
  const send = (packets: readonly WirePacket[]): void => {
    const ws = (server.conn as unknown as { transport: { socket: WebSocket } }).transport.socket
    const tcp = (ws as unknown as { _socket: TcpSocket })._socket
    tcp.cork()
    for (const packet of packets) {
      for (const frame of serverEncoder.encode(packet) as Buffer[]) ws.send(frame)
    }
    tcp.uncork()
  }
  return { client, server, handled, viaSocketIo, send, url }
}

describe("the Decoder's fast lane", () => {
  const { Encoder, Decoder } = serverWireParser
  const encoder = new Encoder()
  const frameOf = (packet: WirePacket): Buffer => (encoder.encode(packet) as Buffer[])[0]!

  /** A decoder whose Socket.IO stand-in and lane record the order, on a hand-run tick queue. */
  const harness = () => {
    const ticks: (() => void)[] = []
    const order: string[] = []
    const decoder = new Decoder()
    const label = (packet: WirePacket): string => {
      const [name, docId] = (packet.data ?? []) as unknown[]
      return packet.type === EVENT
        ? `${String(name)}#${seqOf(docId)}`
        : `type ${packet.type}#${packet.id}`
    }
    decoder.on('decoded', (packet: WirePacket) => ticks.push(() => order.push(label(packet))))
    let accept = true
    const lane: FastLane = {
      take: (packet) => {
        if (accept) order.push(`lane:${label(packet)}`)
        return accept
      },
      defer: (task) => ticks.push(task),
    }
    const runTicks = (): void => {
      while (ticks.length > 0) ticks.shift()!()
    }
    return {
      decoder,
      lane,
      order,
      runTicks,
      refuse: () => void (accept = false),
    }
  }

  it('offers compact events only while no packet it emitted waits for its dispatch', () => {
    const { decoder, lane, order, runTicks } = harness()
    decoder.useFastLane(lane)
    runTicks()
    decoder.add(frameOf(eventPacket('doc:update', 0)))
    decoder.add(frameOf(eventPacket('probe', 1)))
    decoder.add(frameOf(eventPacket('doc:change', 2)))
    expect(order).toEqual(['lane:doc:update#0'])
    runTicks()
    expect(order).toEqual(['lane:doc:update#0', 'probe#1', 'doc:change#2'])
    decoder.add(frameOf(eventPacket('awareness:update', 3)))
    expect(order.at(-1)).toBe('lane:awareness:update#3')
  })

  it('never offers acknowledgements, and counts what the lane declines', () => {
    const { decoder, lane, order, runTicks, refuse } = harness()
    decoder.useFastLane(lane)
    runTicks()
    decoder.add(frameOf({ type: ACK, nsp: '/', id: 5, data: [{ ok: true }] }))
    expect(order).toEqual([])
    runTicks()
    refuse()
    decoder.add(frameOf(eventPacket('doc:update', 0)))
    decoder.add(frameOf(eventPacket('doc:update', 1)))
    runTicks()
    expect(order).toEqual(['type 3#5', 'doc:update#0', 'doc:update#1'])
  })

  it('takes a lane set while a packet waits as one more waiting packet', () => {
    const { decoder, lane, order, runTicks } = harness()
    decoder.add(frameOf(eventPacket('probe', 0)))
    decoder.useFastLane(lane)
    decoder.add(frameOf(eventPacket('doc:update', 1)))
    runTicks()
    expect(order).toEqual(['probe#0', 'doc:update#1'])
    decoder.add(frameOf(eventPacket('doc:update', 2)))
    expect(order.at(-1)).toBe('lane:doc:update#2')
  })
})

describe('the inbound fast lane on the server', () => {
  it('handles a compact frame read with a MessagePack packet after that packet', async () => {
    const { wire, handled, viaSocketIo } = await serverEnd()
    wire.send([
      eventPacket('probe', 0),
      eventPacket('doc:update', 1),
      eventPacket('awareness:update', 2),
    ])
    await handled.count(3)
    wire.send([
      eventPacket('doc:update', 3),
      eventPacket('doc:change', 4),
      eventPacket('probe', 5),
      eventPacket('doc:update', 6),
    ])
    await handled.count(7)
    expect(handled.seqs).toEqual(range(0, 7))
    // Read behind a MessagePack packet: Socket.IO's path. At the head of a read: the lane.
    expect(viaSocketIo).toEqual([1, 2, 6])
  })

  it('acknowledges fast-laned doc:update and doc:change straight to the WebSocket', async () => {
    const server = await useServer()
    const world = await createWorld(server)
    const element = await createElement(server, world.id, { kind: 'character', name: 'Ada' })
    const connected = new Promise<LoresyncSocket>((resolve) =>
      server.app.io.once('connection', resolve),
    )
    const socket = await useRawSocket(server)
    const serverSocket = await connected
    const doc = new Y.Doc()
    const joined = await socket
      .timeout(10_000)
      .emitWithAck('doc:join', { docId: element.id, stateVector: Y.encodeStateVector(doc) })
    if (!joined.ok) throw new Error(`join refused: ${joined.error.message}`)
    Y.applyUpdate(doc, new Uint8Array(joined.update))
    const viaSocketIo = trackSocketIoPath(serverSocket)
    const viaEngine: unknown[] = []
    serverSocket.conn.on('packetCreate', (packet: { type: string }) => {
      if (packet.type === 'message') viaEngine.push(packet)
    })
    const edit = (text: string): Uint8Array => {
      const before = Y.encodeStateVector(doc)
      nameText(doc).insert(nameText(doc).length, text)
      return Y.encodeStateAsUpdate(doc, before)
    }

    const updated = await socket.timeout(10_000).emitWithAck('doc:update', element.id, edit(' L'))
    const changed = await socket
      .timeout(10_000)
      .emitWithAck(
        'doc:change',
        element.id,
        edit('ovelace'),
        awarenessFrame(doc.clientID, 1, { cursor: { anchor: 5 } }),
      )

    expect(updated).toEqual({ ok: true })
    expect(changed).toEqual({ ok: true })
    expect(viaSocketIo).toEqual([])
    expect(viaEngine).toEqual([])
    const stored = await server.app.store.loadDocument(element.id)
    expect(stored!.updates.length).toBeGreaterThanOrEqual(2)
  })

  it('dispatches nothing to a socket that disconnected: the frame closes the connection', async () => {
    const { wire, socket, handled, viaSocketIo } = await serverEnd()
    wire.send([eventPacket('doc:update', 0)])
    await handled.count(1)
    const disconnected = wire.next((packet) => packet.type === DISCONNECT)
    // The namespace only: the connection stays open, as when a client leaves '/' but keeps others.
    socket.disconnect()
    await disconnected
    wire.send([eventPacket('doc:update', 1)])
    await wire.closed()
    expect(handled.seqs).toEqual([0])
    expect(viaSocketIo).toEqual([])
  })

  it('closes the connection on a malformed compact frame, after the frames before it', async () => {
    const { wire, handled } = await serverEnd()
    const [valid] = new clientWireParser.Encoder().encode(eventPacket('doc:update', 0))
    // Tag 1, no ack, then 3 of the 16 bytes of an element id.
    wire.sendFrames([valid as ArrayBuffer, new Uint8Array([1, 0, 1, 2, 3])])
    await wire.closed()
    expect(handled.seqs).toEqual([0])
  })

  it('keeps the connection when a listener throws, and logs the error', async () => {
    const lines: string[] = []
    const logger = pino({ level: 'error' }, { write: (line: string) => void lines.push(line) })
    let failNext = true
    const { wire, handled } = await serverEnd({ logger }, (socket) =>
      socket.prependAny(() => {
        if (!failNext) return
        failNext = false
        throw new Error('a listener failed')
      }),
    )
    wire.send([eventPacket('doc:update', 0)])
    wire.send([eventPacket('doc:update', 1)])
    await handled.count(1)
    expect(handled.seqs).toEqual([1])
    expect(lines.join('')).toContain('inbound fast lane')
    expect(lines.join('')).toContain('a listener failed')
  })
})

describe('the inbound fast lane on the client', () => {
  it("delivers updates in order with 'doc:role' and 'doc:error' read in the same TCP read", async () => {
    const { send, handled, viaSocketIo } = await clientEnd()
    send([
      eventPacket('doc:update', 0),
      eventPacket('awareness:update', 1),
      eventPacket('doc:role', 2),
      eventPacket('doc:update', 3),
      eventPacket('doc:error', 4),
      eventPacket('doc:change', 5),
    ])
    await handled.count(6)
    send([eventPacket('doc:role', 6), eventPacket('doc:update', 7)])
    await handled.count(8)
    send([eventPacket('doc:change', 8)])
    await handled.count(9)
    expect(handled.seqs).toEqual(range(0, 9))
    expect(viaSocketIo).toEqual([3, 5, 7])
  })

  it('leaves events with an ack id and sockets with any-listeners to socket.io-client', async () => {
    const { client, send, handled, viaSocketIo } = await clientEnd()
    const acks: unknown[] = []
    client.on('doc:update', (...args: unknown[]) => void acks.push(typeof args[2]))
    send([eventPacket('doc:update', 0, 9)])
    await handled.count(1)
    const any: number[] = []
    const onAny = (_event: string, docId: unknown): void => void any.push(seqOf(docId) ?? -1)
    client.onAny(onAny)
    send([eventPacket('doc:update', 1)])
    await handled.count(2)
    client.offAny(onAny)
    send([eventPacket('doc:update', 2)])
    await handled.count(3)
    expect(handled.seqs).toEqual([0, 1, 2])
    expect(acks).toEqual(['function', 'undefined', 'undefined'])
    expect(any).toEqual([1])
    expect(viaSocketIo).toEqual([0, 1])
  })

  it("keeps another namespace's socket on the same Manager out of the default one's events", async () => {
    const { client, send, handled, viaSocketIo } = await clientEnd()
    const other = client.io.socket('/other')
    onTestFinished(() => void other.close())
    if (!other.connected) await new Promise<void>((resolve) => other.once('connect', resolve))
    const seenByOther: unknown[] = []
    other.onAny((event: string) => void seenByOther.push(event))
    send([eventPacket('doc:update', 0), eventPacket('doc:role', 1), eventPacket('doc:update', 2)])
    await handled.count(3)
    other.close()
    send([eventPacket('doc:update', 3)])
    await handled.count(4)
    expect(handled.seqs).toEqual([0, 1, 2, 3])
    expect(seenByOther).toEqual([])
    // Socket.IO's path while two sockets listen to the Manager; the lane once the other closed.
    expect(viaSocketIo).toEqual([0, 2])
  })
})

/** One packet of a random plan: what it is, and whether a read ends (and is awaited) after it. */
interface Step {
  readonly kind: number
  readonly withAck: boolean
  readonly endsRead: boolean
  readonly awaitHandled: boolean
}

const planArbitrary = fc.array(
  fc.record({
    kind: fc.nat({ max: 4 }),
    withAck: fc.boolean(),
    endsRead: fc.boolean(),
    awaitHandled: fc.boolean(),
  }),
  { minLength: 1, maxLength: 24 },
)

/** Across the runs of a property: ack ids used, and compact events sent. */
interface Tally {
  ackIds: number
  compact: number
}

/**
 * Sends `plan` as packets numbered from `first`: consecutive steps go in one TCP write until one
 * ends the read; after such a read, `awaitHandled` waits until the receiver handled everything
 * so far (so the next read may start on the fast lane). Returns the number after the last.
 */
const sendPlan = async (
  plan: readonly Step[],
  first: number,
  names: readonly string[],
  send: (packets: readonly WirePacket[]) => void,
  handled: Handled,
  tally: Tally,
): Promise<number> => {
  let seq = first
  let read: WirePacket[] = []
  for (const [index, step] of plan.entries()) {
    const name = names[step.kind]!
    const compact = isCompactEvent(name)
    if (compact) tally.compact++
    const ack = step.withAck && compact ? tally.ackIds++ : undefined
    read.push(eventPacket(name, seq++, ack))
    if (!step.endsRead && index < plan.length - 1) continue
    send(read)
    read = []
    if (step.awaitHandled) await handled.count(seq)
  }
  await handled.count(seq)
  return seq
}

/** engine.io-client's Socket, as far as these tests go (private members). */
interface TestEngine {
  readonly transport: object
  emitReserved(event: string, ...args: unknown[]): void
  on(event: string, listener: (...args: unknown[]) => void): void
  off(event: string, listener: (...args: unknown[]) => void): void
}

/** Records the engine's 'data' events: the messages that did not take the engine lane. */
const engineDataEvents = (engine: TestEngine): { count: number } => {
  const seen = { count: 0 }
  const emitReserved = engine.emitReserved
  engine.emitReserved = function (this: unknown, event: string, ...args: unknown[]) {
    if (event === 'data') seen.count++
    emitReserved.call(this, event, ...args)
  }
  return seen
}

describe('the engine fast lane on the client', () => {
  it("hands messages to the decoder, and through the engine's events while anything listens to them", async () => {
    const { client, send, handled } = await clientEnd()
    const engine = client.io.engine as unknown as TestEngine
    const viaEngine = engineDataEvents(engine)
    send([eventPacket('doc:update', 0), eventPacket('doc:role', 1), eventPacket('doc:change', 2)])
    await handled.count(3)
    expect(viaEngine.count).toBe(0)

    const messages: unknown[] = []
    const onMessage = (data: unknown): void => void messages.push(data)
    engine.on('message', onMessage)
    send([eventPacket('doc:update', 3), eventPacket('doc:error', 4)])
    await handled.count(5)
    engine.off('message', onMessage)
    send([eventPacket('doc:update', 5)])
    await handled.count(6)

    expect(handled.seqs).toEqual(range(0, 6))
    expect(messages).toHaveLength(2)
    expect(viaEngine.count).toBe(2)
  })

  it('gives the engine of every reconnection the lane', async () => {
    const { io, url } = await startWireServer()
    const connected = (): Promise<ServerSocket> =>
      new Promise((resolve) => io.once('connection', resolve))
    let server = connected()
    const client = createSocket({
      url,
      options: { forceNew: true, reconnectionDelay: 10, reconnectionDelayMax: 10 },
    })
    onTestFinished(() => void client.close())
    const handled = new Handled()
    ;(client as unknown as { on(event: string, listener: (id: unknown) => void): void }).on(
      'doc:update',
      (docId) => handled.record(docId),
    )
    const first = await server
    server = connected()
    // The connection drops under the client (not a server-side disconnect, which ends the session).
    first.conn.close()
    const second = await server
    if (!client.connected) await new Promise<void>((resolve) => client.once('connect', resolve))
    const engine = client.io.engine as unknown as TestEngine
    const viaEngine = engineDataEvents(engine)
    for (const frame of serverEncoder.encode(eventPacket('doc:update', 0)) as Buffer[]) {
      ;(second.conn as unknown as { transport: { socket: WebSocket } }).transport.socket.send(frame)
    }
    await handled.count(1)
    expect(viaEngine.count).toBe(0)
  })
})

describe('order (property)', () => {
  it('hands the server a random interleaving of compact and MessagePack packets in sent order', async () => {
    const { wire, handled, viaSocketIo } = await serverEnd()
    const names = [...COMPACT_EVENTS, 'probe', 'probe']
    let next = 0
    const tally: Tally = { ackIds: 0, compact: 0 }
    await fc.assert(
      fc.asyncProperty(planArbitrary, async (plan) => {
        const first = next
        next = await sendPlan(plan, first, names, (packets) => wire.send(packets), handled, tally)
        expect(handled.seqs.slice(first)).toEqual(range(first, next))
      }),
      { seed: SEED, numRuns: 40 },
    )
    // Both paths were taken.
    expect(viaSocketIo.length).toBeGreaterThan(0)
    expect(tally.compact - viaSocketIo.length).toBeGreaterThan(0)
  })

  it('hands the client a random interleaving of compact and MessagePack packets in sent order', async () => {
    const { send, handled, viaSocketIo } = await clientEnd()
    const names = [...COMPACT_EVENTS, 'doc:role', 'doc:error']
    let next = 0
    const tally: Tally = { ackIds: 0, compact: 0 }
    await fc.assert(
      fc.asyncProperty(planArbitrary, async (plan) => {
        const first = next
        next = await sendPlan(plan, first, names, send, handled, tally)
        expect(handled.seqs.slice(first)).toEqual(range(first, next))
      }),
      { seed: SEED, numRuns: 40 },
    )
    expect(viaSocketIo.length).toBeGreaterThan(0)
    expect(tally.compact - viaSocketIo.length).toBeGreaterThan(0)
  })
})
