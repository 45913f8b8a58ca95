/**
 * A TCP proxy on 127.0.0.1 that delays every chunk by a random 0–maxDelayMs (keeping each
 * direction in order, as TCP does) and cuts connections at random. It cannot duplicate bytes:
 * a repeated TCP segment would break WebSocket framing, which real networks never do above TCP.
 * Duplicated messages are made at the client layer instead (see chaos.test.ts).
 */
import { createServer, connect, type Server, type Socket } from 'node:net'
import type { Random } from './seed.ts'

export interface ChaosOptions {
  readonly target: number
  readonly random: Random
  readonly maxDelayMs: number
  /** Each connection is cut after a random time in this range while chaos is on. */
  readonly dropAfterMs: readonly [number, number]
}

export interface ChaosProxy {
  readonly url: string
  readonly drops: number
  /** Stops delaying and dropping; connections from now on are clean. */
  heal(): void
  close(): Promise<void>
}

export const startChaosProxy = async (options: ChaosOptions): Promise<ChaosProxy> => {
  const { random } = options
  let healed = false
  let drops = 0
  const open = new Set<Socket>()
  const timers = new Set<NodeJS.Timeout>()
  const later = (ms: number, run: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer)
      run()
    }, ms)
    timers.add(timer)
  }
  const relay = (from: Socket, to: Socket) => {
    let releaseAt = 0
    from.on('data', (chunk) => {
      if (healed) return void to.write(chunk)
      const now = performance.now()
      releaseAt = Math.max(releaseAt, now + random.int(0, options.maxDelayMs))
      later(releaseAt - now, () => {
        if (!to.destroyed) to.write(chunk)
      })
    })
    from.on('close', () =>
      later(healed ? 0 : Math.max(0, releaseAt - performance.now()), () => to.destroy()),
    )
    from.on('error', () => {})
  }
  const server: Server = createServer((client) => {
    const upstream = connect(options.target, '127.0.0.1')
    for (const socket of [client, upstream]) {
      open.add(socket)
      socket.on('close', () => open.delete(socket))
    }
    relay(client, upstream)
    relay(upstream, client)
    if (!healed) {
      later(random.int(...options.dropAfterMs), () => {
        if (healed || client.destroyed) return
        drops += 1
        client.destroy()
        upstream.destroy()
      })
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}`,
    get drops() {
      return drops
    },
    heal: () => (healed = true),
    close: async () => {
      healed = true
      for (const timer of timers) clearTimeout(timer)
      for (const socket of open) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
