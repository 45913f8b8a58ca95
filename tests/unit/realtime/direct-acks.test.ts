/**
 * Acknowledgements written straight to the WebSocket (direct-acks.ts): the client receives exactly
 * the answer it would have got through Socket.IO, at most once, and after anything Socket.IO still
 * had in flight for it. A real Socket.IO server on 127.0.0.1 (port 0) with the Loresync wire
 * parser, and a real socket.io-client.
 */
import type { Socket } from 'socket.io-client'
import { describe, expect, it } from 'vitest'
import type { RealtimeContext } from '../../../server/realtime/context.ts'
import { ackIdOf, exposeAckIds } from '../../../server/realtime/direct-acks.ts'
import { RoomFanout } from '../../../server/realtime/room-fanout.ts'
import { serverWireParser } from '../../../server/realtime/server-wire-parser.ts'
import { replyToSocket } from '../../../server/realtime/socket-replies.ts'
import type { LoresyncServer, LoresyncSocket } from '../../../server/realtime/types.ts'
import { fail } from '../../../server/realtime/replies.ts'
import { connectWireClient, startWireServer } from '../../helpers/wire-server.ts'

interface Harness {
  readonly client: Socket
  readonly server: LoresyncSocket
  readonly context: RealtimeContext
  /** Engine.io packets the server socket created (the Socket.IO path); direct writes make none. */
  readonly viaEngine: unknown[]
  readonly rejected: string[]
}

const connected = async (): Promise<Harness> => {
  exposeAckIds()
  const started = await startWireServer()
  const io = started.io as unknown as LoresyncServer
  const rejected: string[] = []
  const context = {
    observer: { rejected: (code: string) => rejected.push(code) },
    fanout: new RoomFanout(io, new serverWireParser.Encoder()),
  } as unknown as RealtimeContext
  const serverSide = new Promise<LoresyncSocket>((resolve) => io.once('connection', resolve))
  const client = connectWireClient(started.url)
  const server = await serverSide
  server.data.guard = { offence: () => {} } as unknown as LoresyncSocket['data']['guard']
  if (!client.connected)
    await new Promise<void>((resolve) => client.once('connect', () => resolve()))
  const viaEngine: unknown[] = []
  server.conn.on('packetCreate', (packet: { type: string }) => {
    if (packet.type === 'message') viaEngine.push(packet)
  })
  return { client, server, context, viaEngine, rejected }
}

/** The next `ask` the server receives, with its ack function. */
const nextAsk = (server: LoresyncSocket): Promise<unknown> =>
  new Promise((resolve) =>
    (server as unknown as { once(event: string, listener: (ack: unknown) => void): void }).once(
      'ask',
      resolve,
    ),
  )

const ask = (client: Socket): Promise<unknown> =>
  new Promise((resolve) => client.emit('ask', (answer: unknown) => resolve(answer)))

describe('direct acknowledgements', () => {
  it('writes a success straight to the WebSocket, once, whatever its shape', async () => {
    const { client, server, context, viaEngine } = await connected()
    for (const answer of [{ ok: true }, { ok: true, value: { name: 'Ash', at: [1, 2] } }]) {
      const received = nextAsk(server)
      const answered = ask(client)
      const ack = await received
      expect(ackIdOf(ack)).toEqual(expect.any(Number))
      const reply = replyToSocket(server, context, ack)
      reply(answer)
      reply({ ok: true, value: 'a second answer is ignored' })
      expect(await answered).toEqual(answer)
    }
    expect(viaEngine).toEqual([])
  })

  it('sends failures through Socket.IO and counts them', async () => {
    const { client, server, context, viaEngine, rejected } = await connected()
    const received = nextAsk(server)
    const answered = ask(client)
    replyToSocket(server, context, await received)(fail('forbidden', 'no'))
    expect(await answered).toMatchObject({ ok: false, error: { code: 'forbidden' } })
    expect(viaEngine).toHaveLength(1)
    expect(rejected).toEqual(['forbidden'])
  })

  it('keeps order behind what Socket.IO still has in flight', async () => {
    const { client, server, context, viaEngine } = await connected()
    const order: string[] = []
    client.on('note', () => order.push('note'))
    const received = nextAsk(server)
    const answered = ask(client).then(() => order.push('ack'))
    const ack = await received
    // The WebSocket write of this event is still under way when the answer follows it.
    ;(server as unknown as { emit(event: string): void }).emit('note')
    replyToSocket(server, context, ack)({ ok: true })
    await answered
    expect(order).toEqual(['note', 'ack'])
    expect(viaEngine).toHaveLength(2)
  })

  it('leaves answers without an ack function, or from clients that asked none, harmless', async () => {
    const { server, context } = await connected()
    expect(ackIdOf(undefined)).toBeUndefined()
    expect(ackIdOf(() => {})).toBeUndefined()
    expect(() => replyToSocket(server, context, 'not a function')({ ok: true })).not.toThrow()
  })
})
