/**
 * T2 fan-out: 20 elements × 5 clients, all typing, stepped from 250 to 2,500 edits/s in total.
 * Server CPU per step comes from /proc/<pid>/stat; the marginal CPU per edit is the slope of CPU
 * seconds per second over edits per second across the steps.
 */
import { docName } from '../lib/documents.ts'
import { settleDriverHeap } from '../lib/driver-heap.ts'
import { startWindow } from '../lib/procfs.ts'
import { percentile, slope } from '../lib/stats.ts'
import { TypingWorkload } from '../lib/typing.ts'
import { WARMUP_MS } from './typing-run.ts'
import type { Metrics, Scenario } from './types.ts'

export const fanOut: Scenario = {
  provides: ['T2'],
  title: 'fan-out, stepped rates',
  timeLimitMs: (quick) => (quick ? 45_000 : 240_000),
  async run(context) {
    const { quick } = context
    const elements = quick ? 5 : 20
    const clientsPerElement = quick ? 3 : 5
    const steps = quick ? [250, 1000] : [250, 500, 1000, 1500, 2500]
    const server = await context.startServer()
    const workload = await TypingWorkload.open(
      context.client,
      server,
      {
        names: Array.from({ length: elements }, (_, i) => docName('t2', `r${context.repeat}`, i)),
        clientsPerElement,
        typistsPerElement: clientsPerElement,
      },
      context.prng.fork('fan-out'),
      120_000,
    )
    const close = context.defer(() => workload.close())
    const typists = workload.typistCount
    const rates: number[] = []
    const cpuPerSecond: number[] = []
    const metrics: Metrics = {}
    // Steady state before the first step (typing-run.ts, WARMUP_MS), at the reference rate: a
    // server still being optimized would show a high CPU at the low rates and a flattered slope.
    await workload.type(1000 / typists, quick ? 200 : WARMUP_MS, false)
    for (const total of steps) {
      const perTypist = total / typists
      await workload.type(perTypist, quick ? 200 : 1000, false)
      settleDriverHeap()
      const end = startWindow(server.pid)
      await workload.type(perTypist, quick ? 1000 : 3000, true)
      const counters = end()
      await workload.drain(quick ? 500 : 2000)
      const window = workload.takeWindow(counters.seconds)
      const achieved = window.edits / window.seconds
      const cpu = (counters.cpuSeconds ?? Number.NaN) / counters.seconds
      rates.push(achieved)
      cpuPerSecond.push(cpu)
      metrics[`T2.cpu@${total}`] = 100 * cpu
      if (total === 1000) {
        // What of it the kernel took (writes, reads, TCP over loopback), per edit: the servers
        // write different numbers of frames per edit, so this tells their costs apart.
        metrics['T2.kernelUsPerEditAt1000'] =
          (1e6 * (counters.systemSeconds ?? Number.NaN)) / counters.seconds / achieved
      }
      metrics[`T2.achieved@${total}`] = achieved
      metrics[`T2.p99@${total}`] = percentile(window.latencies, 99)
      context.log(
        `${total}/s: achieved ${achieved.toFixed(0)}/s, server CPU ${(100 * cpu).toFixed(1)} %`,
      )
    }
    await close()
    // 1,000 edits/s is one of the steps: its CPU is the reference figure.
    metrics['T2.cpuAt1000'] = metrics['T2.cpu@1000'] ?? Number.NaN
    metrics['T2.usPerEditAt1000'] =
      (1e4 * metrics['T2.cpuAt1000']) / (metrics['T2.achieved@1000'] ?? Number.NaN)
    delete metrics['T2.cpu@1000']
    metrics['T2.usPerEdit'] = 1e6 * slope(rates, cpuPerSecond)
    return metrics
  },
}
