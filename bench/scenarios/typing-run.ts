/** One measured typing window against a running server: the core of T1, T5 and T7. */
import { settleDriverHeap } from '../lib/driver-heap.ts'
import { startWindow } from '../lib/procfs.ts'
import { socketCounters } from '../lib/sockets.ts'
import { percentile } from '../lib/stats.ts'
import { SplitTypingWorkload } from '../lib/split-typing.ts'
import {
  TypingWorkload,
  type TypingLayout,
  type TypingLoad,
  type WindowResult,
} from '../lib/typing.ts'
import type { ServerHandle } from '../servers/types.ts'
import type { RunContext } from './types.ts'

/**
 * How long every server is typed at before a measured window, at the window's own rate: until V8
 * has optimized the server's hot path, so the window measures the server's steady state rather
 * than the JIT's warm-up. With 3 s, perf (`perf record -g` on the server during T1) put a fifth to
 * a third of our server's CPU in seconds 3–15 in TurboFan's worker threads, and 1–9 % from
 * second 18 on; y-websocket, with far less code on its path, spent about 6 % there. Every server
 * gets the same warm-up. This one is T2's, at its reference 1,000 edits/s: by its 1,000/s window
 * (about 30 s into the server's life) about a dozen small functions are still compiled (Node's
 * timers, ws's and engine.io's message readers after a deopt), against about 30 in T1's window
 * after the same 15 s.
 */
export const WARMUP_MS = 15_000

/**
 * The warm-up of T1 and T7, which type at 100 edits/s, a tenth of T2's rate. V8 optimizes a
 * function once it has run enough, so at that rate our hot path settles later: with 15 s,
 * `--trace-opt` on our server showed about 30 TurboFan compilations inside T1's window, the hot
 * path's own among them (the relay, the update's decoding and checks, the caret's admission, the
 * log's append), and TurboFan's worker threads took about 9 % of the server's CPU there. The
 * last of them came 41 s after the server started; with 45 s of warm-up T1's window saw 9 small
 * ones, y-websocket's 3 (docs/benchmarks.md, "How it measures").
 */
export const TYPING_AT_SCALE_WARMUP_MS = 45_000

export interface TypingRunOptions {
  readonly layout: TypingLayout
  readonly perTypist: number
  readonly warmupMs: number
  readonly measureMs: number
  readonly drainMs: number
  /**
   * Run the typists in a process of their own, the receivers in the driver (SplitTypingWorkload):
   * for timing what the typists see (T7's acknowledgements) without the receivers' queue.
   */
  readonly typistProcess?: boolean
}

export interface TypingRunResult {
  readonly window: WindowResult
  readonly cpuPercent: number
  /**
   * CPU seconds this process (the driver: every client, or only the receivers when the typists run
   * apart) used in the window: what the clients' side of the stack costs.
   */
  readonly clientCpuSeconds: number
  readonly syscw: number
  readonly wchar: number
  /** Data segments and bytes the server sent on its sockets in the window (NaN without `ss`). */
  readonly socketSegments: number
  readonly socketBytes: number
}

export const runTyping = async (
  context: RunContext,
  server: ServerHandle,
  options: TypingRunOptions,
): Promise<TypingRunResult> => {
  const open = options.typistProcess ? SplitTypingWorkload.open : TypingWorkload.open
  const workload: TypingLoad = await open(
    context.client,
    server,
    options.layout,
    context.prng.fork('typing'),
    120_000,
  )
  const close = context.defer(() => workload.close())
  const apart = options.typistProcess ? ' (in their own process)' : ''
  context.log(`${workload.clients} clients, ${workload.typistCount} typists${apart}`)
  await workload.type(options.perTypist, options.warmupMs, false)
  const port = Number(new URL(server.url).port)
  const sockets0 = await socketCounters(port)
  settleDriverHeap()
  const end = startWindow(server.pid)
  const endClients = startWindow(process.pid)
  await workload.type(options.perTypist, options.measureMs, true)
  const counters = end()
  const clientCounters = endClients()
  const sockets1 = await socketCounters(port)
  await workload.drain(options.drainMs)
  const window = workload.takeWindow(counters.seconds)
  await close()
  return {
    window,
    cpuPercent:
      counters.cpuSeconds === null ? Number.NaN : (100 * counters.cpuSeconds) / counters.seconds,
    clientCpuSeconds: clientCounters.cpuSeconds ?? Number.NaN,
    syscw: counters.syscw ?? Number.NaN,
    wchar: counters.wchar ?? Number.NaN,
    socketSegments:
      sockets0 && sockets1 ? sockets1.dataSegments - sockets0.dataSegments : Number.NaN,
    socketBytes: sockets0 && sockets1 ? sockets1.bytes - sockets0.bytes : Number.NaN,
  }
}

export const latencyMetrics = (
  prefix: string,
  latencies: readonly number[],
): Record<string, number> => ({
  [`${prefix}.p50`]: percentile(latencies, 50),
  [`${prefix}.p95`]: percentile(latencies, 95),
  [`${prefix}.p99`]: percentile(latencies, 99),
})
