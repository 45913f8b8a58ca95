/**
 * The metrics each scenario reports, their units, which direction is better, and the targets of
 * issue 6. A ratio is Loresync ÷ the best peer of the same run (or a named peer); a ratio within
 * ±10 % of its threshold needs more repeats before it counts.
 */
import type { ServerName } from '../servers/types.ts'

export type Target =
  | { readonly kind: 'vs-peer'; readonly peer: 'best' | ServerName; readonly max: number }
  | { readonly kind: 'absolute'; readonly max?: number; readonly min?: number }

export interface MetricSpec {
  readonly key: string
  readonly label: string
  readonly unit: string
  readonly lowerIsBetter: boolean
  readonly digits: number
  readonly targets: readonly Target[]
  /**
   * The load this metric is measured at, as a metric of the same scenario: a comparison only
   * counts when Loresync and the peer it is compared with each held at least `min` of it (their
   * medians). A server whose clients could not be driven at the rate was measured at a lighter
   * load, and its CPU there says nothing about the rate named.
   */
  readonly heldRate?: { readonly metric: string; readonly min: number }
}

const spec = (
  key: string,
  label: string,
  unit: string,
  digits: number,
  targets: readonly Target[] = [],
  lowerIsBetter = true,
  heldRate?: MetricSpec['heldRate'],
): MetricSpec => ({ key, label, unit, digits, targets, lowerIsBetter, heldRate })

const best = (max: number): Target => ({ kind: 'vs-peer', peer: 'best', max })

export const METRICS: readonly MetricSpec[] = [
  spec('T1.p50', 'T1 latency p50', 'ms', 1, [best(0.9)]),
  spec('T1.p95', 'T1 latency p95', 'ms', 1, [best(0.8)]),
  spec('T1.p99', 'T1 latency p99', 'ms', 1, [best(0.8)]),
  // Where the p50 goes (typing.ts WindowResult): information, no target.
  spec('T1.firstReaderP50', 'T1 edit → first reader p50', 'ms', 2),
  spec('T1.firstToLastP50', 'T1 first → last reader p50', 'ms', 2),
  spec('T1.cpu', 'T1 server CPU', '%', 1, [best(0.8)]),
  spec('T1.delivered', 'T1 delivered', '%', 2, [{ kind: 'absolute', min: 100 }], false),
  spec('T1.editsPerSecond', 'T1 edits/s (achieved)', '/s', 0, [], false),
  // The other side of the stack: every client runs in the driver, on the other core, and reading
  // the 19 copies of an edit one after another is most of the first → last reader time.
  spec('T1.clientUsPerDelivery', "T1 clients' CPU per delivered edit (driver)", 'µs', 1),
  // T2 reports the rate each step achieved; below 95 % of 1,000/s the driver, not the server,
  // was the limit (it happens to the peers on slow machines), and the step is no measurement.
  spec('T2.cpuAt1000', 'T2 server CPU at 1,000 edits/s', '%', 1, [best(0.8)], true, {
    metric: 'T2.achieved@1000',
    min: 950,
  }),
  // Information beside it: the same step's CPU per edit that got through, comparable whatever
  // rate the step held.
  spec('T2.usPerEditAt1000', 'T2 server CPU per delivered edit at the 1,000/s step', 'µs', 1),
  spec('T2.kernelUsPerEditAt1000', 'T2 of that, in the kernel (stime)', 'µs', 1),
  spec('T2.usPerEdit', 'T2 marginal server CPU per edit', 'µs', 1, [best(0.8)]),
  spec('T3.perElement', 'T3 heap per element', 'KB', 1, [best(0.8)]),
  spec('T3.perConnection', 'T3 heap per extra connection', 'KB', 2, [
    { kind: 'vs-peer', peer: 'hocuspocus', max: 1.0 },
    { kind: 'vs-peer', peer: 'y-websocket', max: 2.5 },
  ]),
  spec('T4.p50', 'T4 cold load p50', 'ms', 1, [best(0.8)]),
  spec('T4.first', 'T4 first load, fresh process', 'ms', 1, [best(0.8)]),
  spec('T4.heapPerDoc', 'T4 heap per open large doc', 'MB', 2, [best(1.0)]),
  spec('T4.snapshotKB', 'T4 document size (V1)', 'KB', 0),
  spec('T5.writeCalls', 'T5 write calls per delivered edit', '', 2, [best(1.0)]),
  spec('T5.bytes', 'T5 bytes written per delivered edit', 'B', 0, [best(1.1)]),
  spec('T5.socketSegments', 'T5 socket data segments per delivered edit (ss)', '', 2),
  spec('T5.socketBytes', 'T5 socket bytes per delivered edit (ss)', 'B', 0),
  spec('T6.load', 'T6 cold load after typed history', 'ms', 1),
  // Our T4 load, taken beside T6's in the same process (t6-history.ts says why).
  spec('T6.referenceLoad', 'T6 cold load of the same document stored whole (T4)', 'ms', 1),
  spec('T6.loadVsSnapshotLoad', 'T6 load ÷ the T4 load beside it', '×', 2, [
    { kind: 'absolute', max: 1.2 },
  ]),
  spec('T6.storedVsSnapshot', 'T6 stored bytes ÷ snapshot', '×', 2, [{ kind: 'absolute', max: 2 }]),
  spec('T6.storedKB', 'T6 stored', 'KB', 0),
  spec('T6.typeSeconds', 'T6 time to type the trace', 's', 1),
  spec('T6.patches', 'T6 patches typed', '', 0),
  spec('T7.ackP99', 'T7 durable ack p99 (full sync)', 'ms', 2, [{ kind: 'absolute', max: 10 }]),
  spec('T7.ackP50', 'T7 durable ack p50', 'ms', 2),
  spec('T7.delivery.p99', 'T7 delivery p99 (full sync)', 'ms', 1),
  spec('T8.allSynced', 'T8 one socket, all elements synced', 'ms', 0, [best(0.5)]),
  // Issue 7: one node against two, same load; information, no target.
  ...[1, 2].flatMap((nodes) => [
    spec(`T9.p50@${nodes}`, `T9 latency p50, ${nodes} node(s)`, 'ms', 1),
    spec(`T9.p99@${nodes}`, `T9 latency p99, ${nodes} node(s)`, 'ms', 1),
    spec(`T9.delivered@${nodes}`, `T9 delivered, ${nodes} node(s)`, '%', 2, [], false),
    spec(`T9.editsPerSecond@${nodes}`, `T9 edits/s, ${nodes} node(s)`, '/s', 0, [], false),
    spec(`T9.cpu@${nodes}`, `T9 server CPU, all of ${nodes} node(s)`, '%', 1),
    spec(`T9.busiestCpu@${nodes}`, `T9 server CPU, busiest of ${nodes} node(s)`, '%', 1),
  ]),
]

/** Metrics a run produced that have no spec (per-step details): shown as information. */
export const specFor = (key: string): MetricSpec => {
  const known = METRICS.find((metric) => metric.key === key)
  if (known) return known
  const step = /^T2\.(cpu|achieved|p99)@(\d+)$/.exec(key)
  if (step) {
    const [, kind, rate] = step
    if (kind === 'cpu') return spec(key, `T2 server CPU at ${rate} edits/s`, '%', 1)
    if (kind === 'achieved')
      return spec(key, `T2 edits/s achieved at ${rate}/s`, '/s', 0, [], false)
    return spec(key, `T2 latency p99 at ${rate} edits/s`, 'ms', 1)
  }
  const delivery = /^T7\.delivery\.(p\d+)$/.exec(key)
  if (delivery) return spec(key, `T7 delivery ${delivery[1] ?? ''} (full sync)`, 'ms', 1)
  return spec(key, key, '', 1)
}

export const targetText = (target: Target): string => {
  switch (target.kind) {
    case 'vs-peer':
      return `≤ ${target.max}× ${target.peer === 'best' ? 'best peer' : target.peer}`
    case 'absolute':
      return target.min !== undefined ? `≥ ${target.min}` : `≤ ${target.max ?? '?'}`
  }
}
