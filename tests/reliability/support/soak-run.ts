/**
 * The leak soak, run in its own process with --expose-gc (see leak-soak.test.ts): open/edit/close
 * cycles of element sessions against an in-process server, some with a disconnect in the middle
 * of the load, some while writes fail. Prints one JSON line with what was left behind.
 *
 * Usage: node --expose-gc --import tsx tests/reliability/support/soak-run.ts <cycles> <seed>
 */
import { CollabClient } from '../../../client/collab/collab-client.ts'
import { databaseFile } from '../../../server/lifecycle/data-dir.ts'
import { openSqliteStore } from '../../../server/storage/sqlite/sqlite-store.ts'
import { createElement, createWorld } from '../../helpers/api-client.ts'
import { startTestServer } from '../../helpers/test-server.ts'
import { faultyStore, type FaultyStore } from './faulty-store.ts'
import { createRandom } from './seed.ts'
import { insertToken } from './tokens.ts'

const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('run with --expose-gc')

const settle = async (): Promise<void> => {
  // Let pending callbacks run (unloads, compactions, closes) before measuring.
  for (let turn = 0; turn < 50; turn++) await new Promise((resolve) => setImmediate(resolve))
}

const heapAfterGc = async (): Promise<number> => {
  await settle()
  for (let n = 0; n < 3; n++) gc()
  return process.memoryUsage().heapUsed
}

const timers = (): number =>
  process.getActiveResourcesInfo().filter((name) => name === 'Timeout' || name === 'Immediate')
    .length

const main = async (): Promise<void> => {
  const cycles = Number(process.argv[2] ?? 1000)
  const random = createRandom(Number(process.argv[3] ?? 1))
  let faulty: FaultyStore | undefined
  const server = await startTestServer({
    compactAfterRows: 3,
    store: (dataDir) => {
      faulty = faultyStore(openSqliteStore({ file: databaseFile(dataDir), synchronous: 'full' }))
      return faulty.store
    },
  })
  const world = await createWorld(server)
  const elements = await Promise.all(
    Array.from({ length: 5 }, (_, n) =>
      createElement(server, world.id, { kind: 'note', name: `n${n}` }),
    ),
  )
  const client = new CollabClient({
    url: server.url,
    options: { auth: { token: server.token }, reconnectionDelay: 10, reconnectionDelayMax: 50 },
  })
  const cycle = async (n: number): Promise<void> => {
    const session = client.open(random.pick(elements).id)
    insertToken(session.doc, `t:soak:${n}`)
    if (n % 10 === 3) {
      // A disconnect while the join and the update are in flight.
      client.disconnect()
      client.connect()
    }
    if (n % 50 === 7) faulty!.plan.failUntil = Date.now() + 30
    await session.whenSaved()
    session.destroy()
  }
  // Warm up (JIT, pools, first rooms) before the baseline.
  for (let n = 0; n < 50; n++) await cycle(n)
  const baseHeap = await heapAfterGc()
  const baseTimers = timers()
  const started = performance.now()
  for (let n = 50; n < 50 + cycles; n++) await cycle(n)
  const ms = performance.now() - started
  client.destroy()
  for (let turn = 0; turn < 10_000 && server.app.registry.size > 0; turn++) {
    await new Promise((resolve) => setImmediate(resolve))
  }
  const rooms = server.app.registry.size
  const heapGrowth = (await heapAfterGc()) - baseHeap
  const timersLeft = timers() - baseTimers
  await server.close()
  console.log(
    JSON.stringify({
      cycles,
      ms: Math.round(ms),
      rooms,
      openSessions: client.openSessions,
      heapGrowthMb: heapGrowth / 1024 / 1024,
      timersLeft,
      failures: faulty!.failures,
      timersAfterClose: timers(),
      resourcesAfterClose: process.getActiveResourcesInfo(),
    }),
  )
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
