/**
 * T7 durable acknowledgement at the T1 load, with SQLITE_SYNCHRONOUS=full: from the emit of an
 * update to its acknowledgement (sent only after commit). Only Loresync acknowledges after storing.
 * The typists run in a process of their own (SplitTypingWorkload), so an acknowledgement does not
 * wait in the driver's event loop behind the deliveries to the 950 receivers.
 */
import { docName } from '../lib/documents.ts'
import { percentile } from '../lib/stats.ts'
import { latencyMetrics, runTyping, TYPING_AT_SCALE_WARMUP_MS } from './typing-run.ts'
import type { Scenario } from './types.ts'

export const durableAck: Scenario = {
  provides: ['T7'],
  title: 'durable acknowledgement',
  only: ['loresync'],
  timeLimitMs: (quick) => (quick ? 45_000 : 240_000),
  async run(context) {
    const { quick } = context
    const server = await context.startServer({ synchronous: 'full' })
    const { window } = await runTyping(context, server, {
      layout: {
        names: Array.from({ length: quick ? 5 : 50 }, (_, i) =>
          docName('t7', `r${context.repeat}`, i),
        ),
        clientsPerElement: quick ? 4 : 20,
        typistsPerElement: 1,
      },
      perTypist: 2,
      warmupMs: quick ? 500 : TYPING_AT_SCALE_WARMUP_MS,
      measureMs: quick ? 2000 : 15_000,
      drainMs: quick ? 1500 : 5000,
      typistProcess: true,
    })
    return {
      'T7.ackP50': percentile(window.ackLatencies, 50),
      'T7.ackP99': percentile(window.ackLatencies, 99),
      ...latencyMetrics('T7.delivery', window.latencies),
    }
  },
}
