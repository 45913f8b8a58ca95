import { describe, expect, it } from 'vitest'
import { buildRows, type RunRecord } from '../../../bench/lib/report.ts'
import type { ServerName } from '../../../bench/servers/types.ts'

const SERVERS: readonly ServerName[] = ['loresync', 'hocuspocus', 'y-websocket']

/** Three repeats of T2 for one server, each with the given CPU and achieved rate at 1,000/s. */
const t2 = (server: ServerName, cpu: number, achieved: number): RunRecord[] =>
  [0, 1, 2].map((repeat) => ({
    scenario: 'T2',
    server,
    repeat,
    seconds: 40,
    metrics: {
      'T2.cpuAt1000': cpu,
      'T2.achieved@1000': achieved,
      'T2.usPerEditAt1000': (1e4 * cpu) / achieved,
    },
  }))

const cpuRow = (records: readonly RunRecord[]) => {
  const row = buildRows(records, SERVERS).find((candidate) => candidate.spec.key === 'T2.cpuAt1000')
  if (!row) throw new Error('no T2 CPU row')
  return row
}

describe('T2 CPU at 1,000 edits/s is judged only at the load it names', () => {
  it('judges the ratio when every server compared held the rate', () => {
    const row = cpuRow([
      ...t2('loresync', 30, 965),
      ...t2('hocuspocus', 50, 964),
      ...t2('y-websocket', 40, 966),
    ])
    expect(row.bestPeer).toBe('y-websocket')
    expect(row.ratio).toBeCloseTo(0.75)
    expect(row.verdict).toBe('PASS')
  })

  it.each([
    { who: 'the best peer', ours: 965, yws: 803 },
    { who: 'Loresync itself', ours: 700, yws: 963 },
  ])('says NOT HELD when $who was driven below the rate', ({ ours, yws }) => {
    const row = cpuRow([
      ...t2('loresync', 42, ours),
      ...t2('hocuspocus', 69, 962),
      ...t2('y-websocket', 49, yws),
    ])
    expect(row.bestPeer).toBe('y-websocket')
    expect(row.verdict).toBe('NOT HELD')
  })

  it('reports the CPU per delivered edit of that step beside it, as information', () => {
    const rows = buildRows(
      [...t2('loresync', 42, 965), ...t2('y-websocket', 49, 803)],
      ['loresync', 'y-websocket'],
    )
    const perEdit = rows.find((row) => row.spec.key === 'T2.usPerEditAt1000')
    expect(perEdit?.values.loresync?.median).toBeCloseTo(435.2, 1)
    expect(perEdit?.values['y-websocket']?.median).toBeCloseTo(610.2, 1)
    expect(perEdit?.verdict).toBe('n/a')
  })
})
