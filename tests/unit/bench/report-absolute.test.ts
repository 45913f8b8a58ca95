import { describe, expect, it } from 'vitest'
import { buildRows, type RunRecord } from '../../../bench/lib/report.ts'
import type { ServerName } from '../../../bench/servers/types.ts'

const SERVERS: readonly ServerName[] = ['loresync', 'hocuspocus', 'y-websocket']

/** One T6 run (it runs once per suite): a typed-history load against the T4 load beside it. */
const t6 = (server: ServerName, load: number, referenceLoad: number): RunRecord => ({
  scenario: 'T6',
  server,
  repeat: 0,
  seconds: 60,
  metrics: {
    'T6.load': load,
    'T6.referenceLoad': referenceLoad,
    'T6.loadVsSnapshotLoad': load / referenceLoad,
  },
})

const ratioRow = (records: readonly RunRecord[]) => {
  const row = buildRows(records, SERVERS).find(
    (candidate) => candidate.spec.key === 'T6.loadVsSnapshotLoad',
  )
  if (!row) throw new Error('no T6 ratio row')
  return row
}

describe('T6 is judged on its own loads, with no peer in the verdict', () => {
  it('passes at up to 1.2 times the T4 load taken beside it, whatever the peers read', () => {
    const row = ratioRow([
      t6('loresync', 16, 15),
      t6('hocuspocus', 1100, 46),
      t6('y-websocket', 1130, 55),
    ])
    expect(row.values.loresync?.median).toBeCloseTo(16 / 15)
    expect(row.verdict).toBe('PASS')
    expect(row.target).toBe('≤ 1.2')
    expect(row.bestPeer).toBeNull()
  })

  it('fails above it, even when every peer does worse', () => {
    const row = ratioRow([t6('loresync', 40, 20), t6('y-websocket', 1130, 55)])
    expect(row.verdict).toBe('FAIL')
    expect(row.bestPeer).toBeNull()
  })

  it('reports both loads as information', () => {
    const rows = buildRows([t6('loresync', 16, 15)], SERVERS)
    const load = rows.find((row) => row.spec.key === 'T6.load')
    const reference = rows.find((row) => row.spec.key === 'T6.referenceLoad')
    expect(load?.values.loresync?.median).toBe(16)
    expect(reference?.values.loresync?.median).toBe(15)
    expect([load?.verdict, reference?.verdict]).toEqual(['n/a', 'n/a'])
  })
})
