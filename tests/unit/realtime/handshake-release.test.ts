/**
 * What a connection lets go of once it is in (server/realtime/handshake-release.ts), on a real
 * Socket.IO server on 127.0.0.1 (port 0) with the Loresync wire parser and real clients: the
 * upgrade request is collected (engine.io's response shim no longer holds it), the handshake keeps
 * only its address, engine.io's leftover `onUpgradeError` listener is gone, and the connection
 * still works and still ends the way it did.
 */
import type { IncomingMessage } from 'node:http'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { Socket as ServerSocket } from 'socket.io'
import type { Socket } from 'socket.io-client'
import { describe, expect, it } from 'vitest'
import {
  releaseHandshake,
  releaseUpgradeShims,
} from '../../../server/realtime/handshake-release.ts'
import type { LoresyncSocket } from '../../../server/realtime/types.ts'
import { connectWireClient, startWireServer, type WireServer } from '../../helpers/wire-server.ts'

// A full collection on demand, to see whether the request is still reachable.
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const startServer = (release: boolean): Promise<WireServer> =>
  startWireServer((http) => {
    if (release) releaseUpgradeShims(http)
  })

/** Connects one client; resolves with both ends once the server handled 'connection'. */
const connectClient = (
  { io, url }: WireServer,
  onConnection: (socket: ServerSocket) => void,
): Promise<{ client: Socket; server: ServerSocket }> =>
  new Promise((resolve) => {
    io.once('connection', (server) => {
      onConnection(server)
      server.on('ping!', (ack: (answer: string) => void) => ack('pong'))
      resolve({ client, server })
    })
    const client = connectWireClient(url)
  })

/** The server side's ws socket and the TCP socket under it. */
const wsOf = (socket: ServerSocket) => {
  const ws = (socket.conn as unknown as { transport: { socket: NodeJS.EventEmitter } }).transport
    .socket
  const tcp = (ws as unknown as { _socket: NodeJS.EventEmitter })._socket
  return { ws, tcp }
}

/** Whether the upgrade request of a connection is still reachable after a full collection. */
const requestHeld = async (release: boolean): Promise<boolean> => {
  const server = await startServer(release)
  let request: WeakRef<IncomingMessage> | undefined
  await connectClient(server, (socket) => {
    request = new WeakRef(socket.conn.request)
    releaseHandshake(socket as unknown as LoresyncSocket)
  })
  // WeakRefs are kept alive until the job that made them has ended: the next turn of the loop.
  await new Promise((resolve) => setImmediate(resolve))
  gc()
  return request?.deref() !== undefined
}

describe('releaseUpgradeShims', () => {
  it('lets the upgrade request be collected once the handshake is released', async () => {
    // Without it engine.io's response shim keeps the request as long as the connection is open.
    expect(await requestHeld(false)).toBe(true)
    expect(await requestHeld(true)).toBe(false)
  })

  it('removes only the shim: the connection works and its close still ends the socket', async () => {
    const started = await startServer(true)
    const { client, server } = await connectClient(started, (socket) =>
      releaseHandshake(socket as unknown as LoresyncSocket),
    )
    const { tcp } = wsOf(server)
    // ws's own listener (and Node's) stay: the TCP close still reaches engine.io and Socket.IO.
    expect(tcp.listenerCount('close')).toBeGreaterThan(0)
    expect(await client.timeout(5000).emitWithAck('ping!')).toBe('pong')
    const disconnected = new Promise<string>((resolve) => server.once('disconnect', resolve))
    // The connection drops without a goodbye: only the TCP close tells the server.
    ;(tcp as unknown as { destroy(): void }).destroy()
    expect(await disconnected).toBe('transport close')
    expect(started.io.of('/').sockets.size).toBe(0)
  })
})

describe('releaseHandshake', () => {
  it('keeps only the address of the handshake and drops the leftover upgrade listener', async () => {
    const started = await startServer(true)
    let before: { errorListeners: string[] } | undefined
    const { client, server } = await connectClient(started, (socket) => {
      before = {
        errorListeners: wsOf(socket)
          .ws.rawListeners('error')
          .map((listener) => listener.name),
      }
      releaseHandshake(socket as unknown as LoresyncSocket)
    })
    // engine.io leaves it on every WebSocket that did not upgrade an existing connection.
    expect(before?.errorListeners).toContain('onUpgradeError')
    const { ws } = wsOf(server)
    const errorListeners = ws.rawListeners('error').map((listener) => listener.name)
    expect(errorListeners).not.toContain('onUpgradeError')
    // The transport's own error listener stays, so a ws error never goes unhandled.
    expect(errorListeners.length).toBeGreaterThan(0)
    const { handshake } = server
    expect(handshake.address).toBe('127.0.0.1')
    expect(handshake.auth).toEqual({})
    expect(handshake.headers).toEqual({})
    expect(handshake.query).toEqual({})
    expect(handshake.url).toBe('')
    expect(handshake.time).toBe('')
    expect(server.conn.request).toBeNull()
    expect(await client.timeout(5000).emitWithAck('ping!')).toBe('pong')
    // A ws error is still handled: the connection closes instead of the process crashing.
    const disconnected = new Promise<string>((resolve) => server.once('disconnect', resolve))
    ws.emit('error', new Error('simulated ws failure'))
    expect(await disconnected).toBe('transport error')
  })
})
