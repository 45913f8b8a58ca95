/**
 * T1 typing at scale (and T5 wire cost, from the same window): 50 elements × 20 clients, one typist
 * per element at 2 edits/s with a cursor awareness update per edit.
 */
import { docName } from '../lib/documents.ts'
import { percentile } from '../lib/stats.ts'
import { latencyMetrics, runTyping, TYPING_AT_SCALE_WARMUP_MS } from './typing-run.ts'
import type { Metrics, Scenario } from './types.ts'

export const typingAtScale: Scenario = {
  provides: ['T1', 'T5'],
  title: 'typing at scale',
  timeLimitMs: (quick) => (quick ? 45_000 : 240_000),
  async run(context) {
    const { quick } = context
    const elements = quick ? 5 : 50
    const server = await context.startServer()
    const { window, cpuPercent, clientCpuSeconds, syscw, wchar, socketSegments, socketBytes } =
      await runTyping(context, server, {
        layout: {
          names: Array.from({ length: elements }, (_, i) => docName('t1', `r${context.repeat}`, i)),
          clientsPerElement: quick ? 4 : 20,
          typistsPerElement: 1,
        },
        perTypist: 2,
        warmupMs: quick ? 500 : TYPING_AT_SCALE_WARMUP_MS,
        measureMs: quick ? 2000 : 15_000,
        drainMs: quick ? 1500 : 5000,
      })
    const metrics: Metrics = {
      ...latencyMetrics('T1', window.latencies),
      'T1.firstReaderP50': percentile(window.firstReader, 50),
      'T1.firstToLastP50': percentile(window.firstToLast, 50),
      'T1.cpu': cpuPercent,
      'T1.delivered':
        window.expectedPairs === 0
          ? Number.NaN
          : (100 * window.deliveredPairs) / window.expectedPairs,
      'T1.editsPerSecond': window.edits / window.seconds,
      'T1.clientUsPerDelivery': (1e6 * clientCpuSeconds) / window.deliveredPairs,
      'T5.writeCalls': syscw / window.deliveredPairs,
      'T5.bytes': wchar / window.deliveredPairs,
      'T5.socketSegments': socketSegments / window.deliveredPairs,
      'T5.socketBytes': socketBytes / window.deliveredPairs,
    }
    return metrics
  },
}
