/**
 * Binary broadcasts carry one precomputed WebSocket frame: every recipient still receives exactly
 * the packet that was broadcast. A real Socket.IO server on 127.0.0.1 (port 0) with the Loresync
 * wire parser, and real socket.io-client sockets.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { randomUUID } from 'node:crypto'
import { Server } from 'socket.io'
import { io as connect, type Socket } from 'socket.io-client'
import { afterEach, describe, expect, it } from 'vitest'
import { preframeBinaryBroadcasts } from '../../../server/realtime/preframed-broadcasts.ts'
import type { LoresyncServer } from '../../../server/realtime/types.ts'
import { clientWireParser, createWireParser } from '../../../shared/wire-parser.ts'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const startServer = async (): Promise<{ io: LoresyncServer; url: string }> => {
  const http = createServer()
  const io = new Server(http, {
    parser: createWireParser((bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)),
  }) as unknown as LoresyncServer
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  cleanups.push(() => new Promise<void>((resolve) => void io.close(() => resolve())))
  return { io, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` }
}

const joinedClient = (io: LoresyncServer, url: string): Promise<Socket> =>
  new Promise((resolve) => {
    const socket = connect(url, {
      transports: ['websocket'],
      parser: clientWireParser,
      forceNew: true,
    })
    cleanups.push(() => void socket.close())
    io.once('connection', (serverSide) => {
      void serverSide.join('room')
      resolve(socket)
    })
  })

const nextUpdate = (socket: Socket): Promise<[string, number[]]> =>
  new Promise((resolve) =>
    socket.once('doc:update', (docId: string, update: ArrayBuffer | Uint8Array) =>
      resolve([docId, [...new Uint8Array(update)]]),
    ),
  )

describe('preframeBinaryBroadcasts', () => {
  it('gives every recipient the broadcast packet, from one frame built once', async () => {
    const { io, url } = await startServer()
    preframeBinaryBroadcasts(io)
    const adapter = io.of('/').adapter as unknown as {
      _encode: (packet: unknown, options: Record<string, unknown>) => unknown[]
    }
    const frames: unknown[] = []
    const encode = adapter._encode
    adapter._encode = function (packet, options) {
      const encoded = encode.call(this, packet, options)
      frames.push(options.wsPreEncodedFrame)
      return encoded
    }
    const clients = [await joinedClient(io, url), await joinedClient(io, url)]
    const docId = randomUUID()
    for (const size of [3, 200, 70_000]) {
      const update = Buffer.alloc(size, size % 251)
      const received = Promise.all(clients.map(nextUpdate))
      io.to('room').emit('doc:update', docId, update)
      for (const [id, bytes] of await received) {
        expect(id).toBe(docId)
        expect(bytes).toEqual([...update])
      }
    }
    expect(frames).toHaveLength(3)
    for (const frame of frames) expect(Array.isArray(frame) && Buffer.isBuffer(frame[0])).toBe(true)
  })
})
