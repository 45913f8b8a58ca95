/**
 * Leak soak: open/edit/close cycles of element sessions, one in ten with a disconnect while the
 * join and update are in flight, one in fifty while writes fail. Rooms (and with them awareness
 * maps) return to zero, no session is left, heap growth after GC stays under 20 MB and no timer is
 * left behind. It runs in a child process started with --expose-gc (support/soak-run.ts).
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import { extended, seededRandom } from './support/seed.ts'

const CYCLES = extended ? 10_000 : 1000

describe('leak soak', () => {
  it(
    `${CYCLES} open/edit/close cycles leave no rooms, sessions, timers or heap behind`,
    { timeout: extended ? 900_000 : 120_000 },
    async () => {
      const random = seededRandom('tests/reliability/leak-soak.test.ts')
      const child = spawn(
        process.execPath,
        [
          '--expose-gc',
          '--import',
          'tsx',
          'tests/reliability/support/soak-run.ts',
          String(CYCLES),
          String(random.seed),
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      )
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
      const [code] = (await once(child, 'exit')) as [number | null]
      expect(code, stderr).toBe(0)
      const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>
      console.log('leak soak:', report)
      expect(report).toMatchObject({
        cycles: CYCLES,
        rooms: 0,
        openSessions: 0,
        timersAfterClose: 0,
      })
      expect(report.heapGrowthMb as number).toBeLessThan(20)
      expect(report.timersLeft as number).toBeLessThanOrEqual(0)
      expect(report.failures as number).toBeGreaterThan(0)
    },
  )
})
