/**
 * Turns run records into the results table: per metric, each server's median [min–max] over the
 * repeats, the best peer, Loresync's ratio, the target and PASS/FAIL.
 */
import { OURS, type ServerName } from '../servers/types.ts'
import { spread, type Spread } from './stats.ts'
import { METRICS, specFor, targetText, type MetricSpec, type Target } from './targets.ts'

export interface RunRecord {
  readonly scenario: string
  readonly server: ServerName
  readonly repeat: number
  readonly seconds: number
  readonly metrics: Record<string, number>
  readonly error?: string
}

/** `NOT HELD`: a server compared did not hold the load the metric is measured at (heldRate). */
export type Verdict = 'PASS' | 'FAIL' | 'NOT HELD' | 'n/a'

export interface Row {
  readonly spec: MetricSpec
  readonly values: Partial<Record<ServerName, Spread>>
  readonly bestPeer: ServerName | null
  readonly target: string
  readonly ratio: number | null
  readonly verdict: Verdict
  /** Within ±10 % of the threshold: more repeats are needed before the verdict counts. */
  readonly close: boolean
}

const collect = (records: readonly RunRecord[], key: string, server: ServerName): number[] =>
  records
    .filter((record) => record.server === server && key in record.metrics)
    .map((record) => record.metrics[key] ?? Number.NaN)

const medianOf = (
  records: readonly RunRecord[],
  key: string,
  server: ServerName,
): number | undefined => {
  const values = collect(records, key, server)
  if (values.length === 0) return undefined
  const result = spread(values).median
  return Number.isFinite(result) ? result : undefined
}

const bestPeerOf = (
  records: readonly RunRecord[],
  spec: MetricSpec,
  servers: readonly ServerName[],
): ServerName | null => {
  let best: ServerName | null = null
  let bestValue = 0
  for (const server of servers) {
    if (server === OURS) continue
    const value = medianOf(records, spec.key, server)
    if (value === undefined) continue
    if (best === null || (spec.lowerIsBetter ? value < bestValue : value > bestValue)) {
      best = server
      bestValue = value
    }
  }
  return best
}

/** Whether each of `servers` held the load `spec` is measured at (always, without a heldRate). */
const heldLoad = (
  records: readonly RunRecord[],
  spec: MetricSpec,
  servers: readonly ServerName[],
): boolean => {
  const held = spec.heldRate
  if (!held) return true
  return servers.every((server) => (medianOf(records, held.metric, server) ?? 0) >= held.min)
}

const judge = (
  records: readonly RunRecord[],
  spec: MetricSpec,
  target: Target,
  best: ServerName | null,
): { ratio: number | null; verdict: Verdict; close: boolean } => {
  const ours = medianOf(records, spec.key, OURS)
  if (ours === undefined) return { ratio: null, verdict: 'n/a', close: false }
  if (target.kind === 'absolute') {
    const pass =
      (target.min === undefined || ours >= target.min) &&
      (target.max === undefined || ours <= target.max)
    const threshold = target.max ?? target.min ?? ours
    const close = threshold !== 0 && Math.abs(ours - threshold) / Math.abs(threshold) <= 0.1
    return { ratio: null, verdict: pass ? 'PASS' : 'FAIL', close: close && ours !== threshold }
  }
  // No peer measured the metric: nothing to compare with, even for a named peer.
  if (best === null) return { ratio: null, verdict: 'n/a', close: false }
  const referenceServer = target.peer === 'best' ? best : target.peer
  const reference = medianOf(records, spec.key, referenceServer)
  if (reference === undefined || reference === 0) {
    return { ratio: null, verdict: 'n/a', close: false }
  }
  const ratio = ours / reference
  if (!heldLoad(records, spec, [OURS, referenceServer])) {
    return { ratio, verdict: 'NOT HELD', close: false }
  }
  return {
    ratio,
    verdict: ratio <= target.max ? 'PASS' : 'FAIL',
    close: Math.abs(ratio - target.max) / target.max <= 0.1,
  }
}

export const buildRows = (records: readonly RunRecord[], servers: readonly ServerName[]): Row[] => {
  const produced = new Set(records.flatMap((record) => Object.keys(record.metrics)))
  const known = METRICS.filter((metric) => produced.has(metric.key))
  const extra = [...produced]
    .filter((key) => !METRICS.some((metric) => metric.key === key))
    .sort()
    .map(specFor)
  const rows: Row[] = []
  for (const spec of [...known, ...extra]) {
    const values: Partial<Record<ServerName, Spread>> = {}
    for (const server of servers) {
      const samples = collect(records, spec.key, server)
      if (samples.length > 0) values[server] = spread(samples)
    }
    const best = bestPeerOf(records, spec, servers)
    const targets = spec.targets.length > 0 ? spec.targets : [null]
    for (const target of targets) {
      const judged = target ? judge(records, spec, target, best) : null
      rows.push({
        spec,
        values,
        // Named only where the verdict compares with it: an absolute target has no peer.
        bestPeer: target?.kind === 'vs-peer' ? best : null,
        target: target ? targetText(target) : '',
        ratio: judged?.ratio ?? null,
        verdict: judged?.verdict ?? 'n/a',
        close: judged?.close ?? false,
      })
    }
  }
  return rows
}

const number = (value: number, digits: number): string =>
  Number.isFinite(value)
    ? value.toLocaleString('en-US', {
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      })
    : 'n/a'

const cell = (value: Spread | undefined, digits: number): string => {
  if (!value || value.n === 0) return '–'
  const middle = number(value.median, digits)
  return value.n > 1
    ? `${middle} [${number(value.min, digits)}–${number(value.max, digits)}]`
    : middle
}

const verdictText = (row: Row, asserted: boolean): string => {
  if (row.verdict === 'n/a' || row.target === '') return ''
  if (row.verdict === 'NOT HELD') return 'NOT HELD'
  const verdict = asserted ? row.verdict : `(${row.verdict})`
  return row.close ? `${verdict} ±10 %` : verdict
}

const tableCells = (
  rows: readonly Row[],
  servers: readonly ServerName[],
  asserted: boolean,
): string[][] => {
  const header = ['metric', ...servers, 'best peer', 'ratio', 'target', 'verdict']
  const body = rows.map((row) => [
    `${row.spec.label}${row.spec.unit ? ` (${row.spec.unit})` : ''}`,
    ...servers.map((server) => cell(row.values[server], row.spec.digits)),
    row.bestPeer ?? '',
    row.ratio === null ? '' : `${number(row.ratio, 2)}×`,
    row.target,
    verdictText(row, asserted),
  ])
  return [header, ...body]
}

/** A plain-text table aligned for the terminal. */
export const formatText = (
  rows: readonly Row[],
  servers: readonly ServerName[],
  asserted: boolean,
): string => {
  const cells = tableCells(rows, servers, asserted)
  const widths = cells[0]?.map((_, column) =>
    Math.max(...cells.map((line) => (line[column] ?? '').length)),
  )
  return cells
    .map((line) => line.map((text, column) => text.padEnd(widths?.[column] ?? 0)).join('  '))
    .join('\n')
}

export const formatMarkdown = (
  rows: readonly Row[],
  servers: readonly ServerName[],
  asserted: boolean,
): string => {
  const cells = tableCells(rows, servers, asserted)
  const [header, ...body] = cells
  if (!header) return ''
  const line = (values: readonly string[]): string => `| ${values.join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...body.map(line)].join('\n')
}
