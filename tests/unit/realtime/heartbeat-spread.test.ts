/**
 * Connections opened together are not pinged together (server/realtime/heartbeat-spread.ts), on a
 * real Socket.IO server on 127.0.0.1 (port 0) with real clients and short heartbeats: each first
 * ping comes its own random part of half the ping timeout later than engine.io would send it,
 * the pings after it keep that offset, and no connection is dropped for it.
 */
import type { Socket } from 'socket.io-client'
import { describe, expect, it } from 'vitest'
import { maxFirstPingDelay, spreadHeartbeats } from '../../../server/realtime/heartbeat-spread.ts'
import type { LoresyncServer } from '../../../server/realtime/types.ts'
import { connectWireClient, startWireServer } from '../../helpers/wire-server.ts'

const PING_INTERVAL_MS = 300
const PING_TIMEOUT_MS = 200

/** The values `random` returns, one per connection, in connection order. */
const sequence = (values: readonly number[]): (() => number) => {
  let next = 0
  return () => values[next++ % values.length] ?? 0
}

const startServer = (random: () => number) =>
  startWireServer((_http, io) => spreadHeartbeats(io as unknown as LoresyncServer, random), {
    pingInterval: PING_INTERVAL_MS,
    pingTimeout: PING_TIMEOUT_MS,
  })

const connected = (client: Socket): Promise<number> =>
  new Promise((resolve, reject) => {
    client.once('connect', () => resolve(performance.now()))
    client.once('connect_error', reject)
  })

/** When the client receives its next `count` pings. */
const pings = (client: Socket, count: number): Promise<number[]> =>
  new Promise((resolve) => {
    const at: number[] = []
    const onPing = (): void => {
      at.push(performance.now())
      if (at.length < count) return
      client.io.off('ping', onPing)
      resolve(at)
    }
    client.io.on('ping', onPing)
  })

describe('heartbeat spread', () => {
  it('puts off at most half the ping timeout', () => {
    expect(maxFirstPingDelay(20_000)).toBe(10_000)
    expect(maxFirstPingDelay(PING_TIMEOUT_MS)).toBe(100)
  })

  it('pings connections opened together at different times, each at its own steady interval', async () => {
    const offsets = [0.05, 0.5, 0.95]
    const { url } = await startServer(sequence(offsets))
    const runs: { opened: number; pinged: Promise<number[]>; client: Socket }[] = []
    for (let i = 0; i < offsets.length; i++) {
      // One at a time, so the n-th connection draws the n-th offset.
      const client = connectWireClient(url)
      const pinged = pings(client, 2)
      runs.push({ opened: await connected(client), pinged, client })
    }
    const maxDelay = maxFirstPingDelay(PING_TIMEOUT_MS)
    for (const [index, run] of runs.entries()) {
      const [first = Number.NaN, second = Number.NaN] = await run.pinged
      const expected = PING_INTERVAL_MS + Math.floor((offsets[index] ?? 0) * maxDelay)
      // The client's 'connect' comes a few ms after the server opened the connection.
      expect(first - run.opened).toBeGreaterThan(expected - 40)
      expect(first - run.opened).toBeLessThan(expected + 80)
      // After the first ping, one every interval again: the offset is kept.
      expect(second - first).toBeGreaterThan(PING_INTERVAL_MS - 40)
      expect(second - first).toBeLessThan(PING_INTERVAL_MS + 80)
      expect(run.client.connected).toBe(true)
    }
  })

  it('leaves the first ping where engine.io puts it when the draw is zero', async () => {
    const { url } = await startServer(() => 0)
    const client = connectWireClient(url)
    const pinged = pings(client, 1)
    const opened = await connected(client)
    const [first = Number.NaN] = await pinged
    expect(first - opened).toBeGreaterThan(PING_INTERVAL_MS - 40)
    expect(first - opened).toBeLessThan(PING_INTERVAL_MS + 60)
  })
})
