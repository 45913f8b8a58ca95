/**
 * Storage crash loop: a child process writes through the real SQLite store (group commit and
 * compaction included) and is SIGKILLed after a random 5–200 ms, again and again on one file.
 * Afterwards the file passes `PRAGMA integrity_check`, every commit the child reported done is
 * readable, and every document loads with no pending structs (the child also checks that on each
 * start, so a hole is caught on the run right after the kill that made it).
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeTempDir, type TempDir } from '../helpers/temp-dir.ts'
import { openSqliteStore } from '../../server/storage/sqlite/sqlite-store.ts'
import { bundleScript } from './support/bundle.ts'
import { DOC_IDS } from './support/crash-loop-ids.ts'
import { integrityCheck, readDocument } from './support/database.ts'
import { extended, seededRandom } from './support/seed.ts'
import { readTokens } from './support/tokens.ts'
import { rmSync } from 'node:fs'

const KILLS = extended ? 2000 : 200

let writer: string
let dir: TempDir
beforeAll(async () => {
  writer = await bundleScript('tests/reliability/support/crash-writer.ts', 'crash-writer')
  dir = await makeTempDir('loresync-crash-')
})
afterAll(async () => {
  rmSync(writer, { force: true })
  await dir.remove()
})

interface Run {
  readonly commits: string[][]
  readonly compactions: number
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

/** Starts the writer, kills it `delayMs` after it is ready, and reports what it said. */
const runOnce = async (file: string, seed: number, delayMs: number): Promise<Run> => {
  const child = spawn(process.execPath, [writer, file, String(seed)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = once(child, 'exit')
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const commits: string[][] = []
  let compactions = 0
  let timer: NodeJS.Timeout | undefined
  const lines = createInterface({ input: child.stdout })
  const drained = once(lines, 'close')
  lines.on('line', (line) => {
    const [kind, ...rest] = line.split(' ')
    // Random delays are the point here: they decide where in the write path the kill lands.
    if (kind === 'ready') timer = setTimeout(() => child.kill('SIGKILL'), delayMs)
    else if (kind === 'commit') commits.push(rest)
    else if (kind === 'compact') compactions += 1
  })
  const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null]
  clearTimeout(timer)
  // Lines still in the pipe when the process died were written before it died: read them all.
  await drained
  if (signal !== 'SIGKILL') throw new Error(`writer exited with ${code}:\n${stderr}`)
  return { commits, compactions, code, signal }
}

describe('storage crash loop', () => {
  it(
    `SIGKILL after 5–200 ms, ${KILLS} times: intact, every reported commit readable`,
    { timeout: extended ? 1_800_000 : 150_000 },
    async () => {
      const random = seededRandom('tests/reliability/storage-crash-loop.test.ts')
      // Two files killed in turn by two lanes: the same number of kills in about half the time
      // (process start-up, not writing, is what each kill costs).
      const lanes = [0, 1].map((lane) => ({
        file: path.join(dir.path, `crash-${lane}.sqlite`),
        seeds: Array.from(
          { length: KILLS / 2 },
          () => [random.int(0, 0x7fffffff), random.int(5, 200)] as const,
        ),
        reported: new Map<string, Set<string>>(DOC_IDS.map((id) => [id, new Set()])),
        commits: 0,
        compactions: 0,
      }))
      const started = performance.now()
      await Promise.all(
        lanes.map(async (lane) => {
          for (const [seed, delayMs] of lane.seeds) {
            const run = await runOnce(lane.file, seed, delayMs)
            for (const batch of run.commits) {
              for (const pair of batch) {
                const [docId, token] = pair.split('=')
                lane.reported.get(docId!)!.add(token!)
              }
            }
            lane.commits += run.commits.length
            lane.compactions += run.compactions
          }
        }),
      )
      for (const { file, reported } of lanes) {
        expect(integrityCheck(file)).toBe('ok')
        for (const docId of DOC_IDS) {
          const { doc, pending } = readDocument(file, docId)
          expect(pending, docId).toBe(false)
          const stored = new Set(readTokens(doc, (s) => s.startsWith('w:')).items)
          const missing = [...reported.get(docId)!].filter((token) => !stored.has(token))
          expect(missing, `${docId}: reported committed but not readable`).toEqual([])
          doc.destroy()
        }
        // The real store reads the same documents back.
        const store = openSqliteStore({ file, synchronous: 'full' })
        try {
          for (const docId of DOC_IDS) expect(await store.loadDocument(docId)).toBeDefined()
        } finally {
          await store.close()
        }
      }
      const commits = lanes.reduce((sum, lane) => sum + lane.commits, 0)
      const compactions = lanes.reduce((sum, lane) => sum + lane.compactions, 0)
      expect(commits).toBeGreaterThan(KILLS)
      console.log(
        `crash loop: seed ${random.seed}, ${KILLS} kills in ${Math.round(performance.now() - started)} ms, ` +
          `${commits} commits reported, ${compactions} compactions`,
      )
    },
  )
})
