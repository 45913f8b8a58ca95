/**
 * RoomFanout writes a hot broadcast straight to a recipient's WebSocket only when engine.io has
 * nothing in flight for it, and otherwise hands it to Socket.IO; the sender never gets it back.
 * The frame written is decoded back with the client's parser to the exact event.
 */
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { RoomFanout } from '../../../server/realtime/room-fanout.ts'
import { serverWireParser } from '../../../server/realtime/server-wire-parser.ts'
import type { LoresyncServer, LoresyncSocket } from '../../../server/realtime/types.ts'
import { clientWireParser } from '../../../shared/wire-parser.ts'

interface FakeSocket {
  readonly id: string
  readonly conn: unknown
  readonly written: Buffer[][]
  readonly emitted: unknown[][]
  emit(...args: unknown[]): boolean
}

const fakeSocket = (id: string, connection: Record<string, unknown> = {}): FakeSocket => {
  const written: Buffer[][] = []
  const emitted: unknown[][] = []
  const conn = {
    readyState: 'open',
    upgrading: false,
    writeBuffer: [],
    transport: {
      name: 'websocket',
      writable: true,
      opts: {},
      socket: { _sender: { sendFrame: (list: Buffer[]) => written.push(list) } },
    },
    ...connection,
  }
  return { id, conn, written, emitted, emit: (...args) => emitted.push(args) > 0 }
}

const serverOf = (sockets: FakeSocket[], room: string): LoresyncServer =>
  ({
    sockets: {
      adapter: { rooms: new Map([[room, new Set(sockets.map((socket) => socket.id))]]) },
      sockets: new Map(sockets.map((socket) => [socket.id, socket])),
    },
  }) as unknown as LoresyncServer

/** The event a written WebSocket frame carries (a short unmasked binary frame). */
const eventOf = (frame: Buffer): unknown[] => {
  expect(frame[0]).toBe(0x82)
  const length = frame[1]!
  const payload = length < 126 ? frame.subarray(2) : frame.subarray(4)
  const decoder = new clientWireParser.Decoder()
  let packet: { data: unknown[] } | undefined
  decoder.on('decoded', (decoded: { data: unknown[] }) => (packet = decoded))
  decoder.add(payload)
  return packet!.data.map((item) => (item instanceof Uint8Array ? [...item] : item))
}

describe('RoomFanout', () => {
  it('writes to idle WebSockets directly, hands busy or non-WebSocket ones to Socket.IO, skips the sender', () => {
    const room = 'doc:x'
    const sender = fakeSocket('sender')
    const idle = fakeSocket('idle')
    const queued = fakeSocket('queued', { writeBuffer: ['pending'] })
    const upgrading = fakeSocket('upgrading', { upgrading: true })
    const polling = fakeSocket('polling', {
      transport: { name: 'polling', writable: true, opts: {} },
    })
    const sockets = [sender, idle, queued, upgrading, polling]
    const fanout = new RoomFanout(serverOf(sockets, room), new serverWireParser.Encoder())
    const docId = randomUUID()
    const update = Buffer.from([1, 2, 3])
    const awareness = Buffer.from([4, 5])

    fanout.emitToOthers(
      sender as unknown as LoresyncSocket,
      room,
      'doc:change',
      docId,
      update,
      awareness,
    )

    expect(sender.written).toEqual([])
    expect(sender.emitted).toEqual([])
    expect(idle.emitted).toEqual([])
    expect(idle.written).toHaveLength(1)
    expect(eventOf(idle.written[0]![0]!)).toEqual(['doc:change', docId, [1, 2, 3], [4, 5]])
    for (const busy of [queued, upgrading, polling]) {
      expect(busy.written).toEqual([])
      expect(busy.emitted).toEqual([['doc:change', docId, update, awareness]])
    }
  })

  it('does nothing for a room holding only the sender, or no room at all', () => {
    const sender = fakeSocket('sender')
    const fanout = new RoomFanout(serverOf([sender], 'doc:x'), new serverWireParser.Encoder())
    const args = [randomUUID(), Buffer.from([1])] as const
    fanout.emitToOthers(sender as unknown as LoresyncSocket, 'doc:x', 'doc:update', ...args)
    fanout.emitToOthers(sender as unknown as LoresyncSocket, 'doc:y', 'doc:update', ...args)
    expect(sender.written).toEqual([])
    expect(sender.emitted).toEqual([])
  })
})
