/**
 * The machine's floor under every latency the bench measures: a round trip over loopback TCP
 * between a process on the servers' core and the driver on the clients' core, both idle between
 * pings, as a server and its clients are between keystrokes at T1's load. Every edit crosses two
 * such hops before its first reader has it (typist → server → reader), whichever server runs.
 *
 * On a virtual machine an idle core is halted, and waking it can cost more than the TCP work
 * (305 µs at the median on the machine of 2026-11-28 16:14, where a burst of writes to 19
 * loopback sockets cost 13 µs a write). Recorded with every run so that absolute figures (T7's,
 * say) can be read against the machine they were measured on.
 */
import { once } from 'node:events'
import { connect } from 'node:net'
import { SERVER_CORE, spawnPinned, stopChild } from './processes.ts'
import { percentile } from './stats.ts'
import { sleep, withTimeout } from './time.ts'

export interface CoreHops {
  /** Round trips measured. */
  readonly samples: number
  readonly p10Us: number
  readonly p50Us: number
  readonly p90Us: number
}

/** Echoes every chunk back; prints its port. Plain JavaScript, so it needs no loader. */
const ECHO_SERVER = `
const net = require('node:net')
const server = net.createServer((socket) => {
  socket.setNoDelay(true)
  socket.on('data', (chunk) => socket.write(chunk))
})
server.listen(0, '127.0.0.1', () => console.log(server.address().port))
`

/** Long enough for both processes to go idle between pings, as between T1's keystrokes. */
const GAP_MS = 5

/** A T1-sized frame: an edit and its caret. */
const FRAME = Buffer.alloc(160, 1)

export const measureCoreHops = async (pings: number, cwd: string): Promise<CoreHops> => {
  const child = spawnPinned(process.execPath, ['-e', ECHO_SERVER], {
    core: SERVER_CORE,
    env: process.env,
    cwd,
    ipc: false,
  })
  try {
    const stdout = child.stdout
    if (!stdout) throw new Error('the echo process has no stdout')
    const [line] = (await withTimeout(once(stdout, 'data'), 10_000, 'starting the echo')) as [
      Buffer,
    ]
    const port = Number(line.toString().trim())
    if (!Number.isInteger(port) || port <= 0) throw new Error(`the echo printed no port: ${line}`)
    const socket = connect(port, '127.0.0.1')
    socket.setNoDelay(true)
    await withTimeout(once(socket, 'connect'), 10_000, 'connecting to the echo')
    const roundTrips: number[] = []
    try {
      for (let i = 0; i < pings; i++) {
        await sleep(GAP_MS)
        const echoed = once(socket, 'data')
        const sentAt = performance.now()
        socket.write(FRAME)
        await withTimeout(echoed, 10_000, 'waiting for the echo')
        roundTrips.push(1000 * (performance.now() - sentAt))
      }
    } finally {
      socket.destroy()
    }
    return {
      samples: roundTrips.length,
      p10Us: Math.round(percentile(roundTrips, 10)),
      p50Us: Math.round(percentile(roundTrips, 50)),
      p90Us: Math.round(percentile(roundTrips, 90)),
    }
  } finally {
    await stopChild(child)
  }
}

export const describeCoreHops = ({ samples, p10Us, p50Us, p90Us }: CoreHops): string =>
  `p50 ${p50Us} µs [p10 ${p10Us}, p90 ${p90Us}] over ${samples} pings`
