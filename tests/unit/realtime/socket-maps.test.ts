/**
 * Socket.IO's per-connection Maps swapped for SmallMaps (compactSocketMaps in
 * server/realtime/connection-footprint.ts), on a real Socket.IO server with the Loresync wire parser and
 * real clients: acknowledgements both ways, a second namespace on the same connection, and the
 * end of the connection all work as they did with Maps.
 */
import type { Socket as ServerSocket } from 'socket.io'
import { Manager } from 'socket.io-client'
import { describe, expect, it, onTestFinished } from 'vitest'
import { SmallMap } from '../../../server/rooms/small-map.ts'
import { compactSocketMaps } from '../../../server/realtime/connection-footprint.ts'
import type { LoresyncSocket } from '../../../server/realtime/types.ts'
import { clientWireParser } from '../../../shared/wire-parser.ts'
import { connectWireClient, startWireServer, type WireServer } from '../../helpers/wire-server.ts'

/** The fields compactSocketMaps swaps. */
interface Internals {
  readonly acks: Map<number, unknown>
  readonly client: { readonly sockets: Map<string, unknown>; readonly nsps: Map<string, unknown> }
}
const internals = (socket: ServerSocket): Internals => socket as unknown as Internals

const startServer = (): Promise<WireServer> =>
  startWireServer((_http, io) => {
    const compact = (socket: ServerSocket): void => {
      compactSocketMaps(socket as unknown as LoresyncSocket)
      socket.on('ping!', (ack: (answer: string) => void) => ack('pong'))
    }
    io.on('connection', compact)
    io.of('/other').on('connection', compact)
  })

describe('compactSocketMaps', () => {
  it('swaps the three one-entry Maps and acknowledgements still work both ways', async () => {
    const { io, url } = await startServer()
    const connected = new Promise<ServerSocket>((resolve) => io.once('connection', resolve))
    const client = connectWireClient(url)
    const server = await connected
    const { acks, client: engineClient } = internals(server)
    expect(acks).toBeInstanceOf(SmallMap)
    expect(acks.size).toBe(0)
    expect(engineClient.sockets).toBeInstanceOf(SmallMap)
    expect([...engineClient.sockets.values()]).toEqual([server])
    expect(engineClient.nsps).toBeInstanceOf(SmallMap)
    expect(engineClient.nsps.get('/')).toBe(server)
    // Client → server, and server → client: the server's callbacks go through `acks`.
    expect(await client.timeout(5000).emitWithAck('ping!')).toBe('pong')
    client.on('ask', (question: string, ack: (answer: string) => void) => ack(`re: ${question}`))
    const answers = await Promise.all([
      server.timeout(5000).emitWithAck('ask', 'a'),
      server.timeout(5000).emitWithAck('ask', 'b'),
    ])
    expect(answers).toEqual(['re: a', 're: b'])
    expect(acks.size).toBe(0)
    // The end of the connection empties the client's maps, as it did.
    const gone = new Promise<string>((resolve) => server.once('disconnect', resolve))
    client.close()
    expect(await gone).toBe('client namespace disconnect')
    expect(engineClient.sockets.size).toBe(0)
    expect(io.of('/').sockets.size).toBe(0)
  })

  it('leaves a second namespace of the same connection working', async () => {
    const { io, url } = await startServer()
    const manager = new Manager(url, {
      transports: ['websocket'],
      parser: clientWireParser,
      reconnection: false,
      // Each socket connects once, when told to.
      autoConnect: false,
    })
    onTestFinished(() => void manager.engine?.close())
    const main = manager.socket('/')
    const mainConnected = new Promise<ServerSocket>((resolve) => io.once('connection', resolve))
    main.connect()
    const server = await mainConnected
    const otherConnected = new Promise<ServerSocket>((resolve) =>
      io.of('/other').once('connection', resolve),
    )
    const other = manager.socket('/other')
    other.connect()
    const otherServer = await otherConnected
    const { client: engineClient } = internals(server)
    expect(internals(otherServer).client).toBe(engineClient)
    expect(internals(otherServer).acks).toBeInstanceOf(SmallMap)
    expect(engineClient.nsps.size).toBe(2)
    expect(await other.timeout(5000).emitWithAck('ping!')).toBe('pong')
    const otherGone = new Promise<void>((resolve) =>
      otherServer.once('disconnect', () => resolve()),
    )
    other.disconnect()
    await otherGone
    expect([...engineClient.nsps.keys()]).toEqual(['/'])
    expect(await main.timeout(5000).emitWithAck('ping!')).toBe('pong')
  })
})
