/**
 * Spreads engine.io's heartbeats over time. engine.io pings each connection `pingInterval` after
 * it opened and then `pingInterval` after each answer, so connections that opened together are
 * pinged together for as long as they live: after a restart, when every client reconnects within
 * seconds, the server writes a ping to each of them, and reads each answer, in one burst every
 * 25 s. In the typing benchmark (1,000 connections opened within 4 s) that burst stalled the
 * server for 15 ms and the clients' process for more, and the edits in flight then were T1's
 * slowest (docs/benchmarks.md, T1 p99).
 *
 * Each connection's first ping is therefore put off by a random part of half the ping timeout;
 * the ones after it keep that offset. A client drops a connection that has not been pinged for
 * `pingInterval + pingTimeout`, so the first ping still comes with half the timeout to spare.
 *
 * Reaches into engine.io 6's Socket (private members, checked before use): its first ping timer,
 * set when the connection opened, and the method that schedules a ping. A connection without them
 * (protocol 3 clients, whose pings go the other way, or another engine.io) keeps its heartbeat.
 */
import type { LoresyncServer } from './types.ts'

/** What this module touches of engine.io's Socket (engine.io 6.6, private members). */
interface HeartbeatInternals {
  pingIntervalTimer: NodeJS.Timeout | null
  schedulePing(): void
  readonly protocol: number
  readonly readyState: string
}

const hasHeartbeatInternals = (connection: unknown): connection is HeartbeatInternals => {
  const candidate = connection as Partial<HeartbeatInternals>
  return (
    candidate.protocol === 4 &&
    typeof candidate.schedulePing === 'function' &&
    candidate.pingIntervalTimer !== null &&
    candidate.pingIntervalTimer !== undefined
  )
}

/** How far a first ping is put off at most: half the time a client waits beyond the interval. */
export const maxFirstPingDelay = (pingTimeoutMs: number): number => Math.floor(pingTimeoutMs / 2)

/**
 * From now on, every new connection's first ping comes `random() * maxFirstPingDelay` later than
 * engine.io would send it. `random` returns values in [0, 1).
 */
export const spreadHeartbeats = (io: LoresyncServer, random: () => number = Math.random): void => {
  const maxDelay = maxFirstPingDelay(io.engine.opts.pingTimeout ?? 0)
  if (maxDelay <= 0) return
  io.engine.on('connection', (connection: unknown) => {
    if (!hasHeartbeatInternals(connection)) return
    const delay = Math.floor(random() * maxDelay)
    if (delay <= 0) return
    clearTimeout(connection.pingIntervalTimer ?? undefined)
    // Held where engine.io keeps its ping timer, so closing the connection clears it too.
    connection.pingIntervalTimer = setTimeout(() => {
      if (connection.readyState !== 'closed') connection.schedulePing()
    }, delay)
  })
}
