/**
 * T4 cold load of the automerge-paper document: built locally from the trace, stored, then opened
 * by fresh clients — first in a freshly started server process, then repeatedly in a warm one
 * (unloaded in between).
 */
import { buildFinalDocument } from '../lib/trace.ts'
import { docName } from '../lib/documents.ts'
import { median } from '../lib/stats.ts'
import { coldLoads, openLarge } from './cold-load.ts'
import type { Scenario } from './types.ts'

export const coldLoad: Scenario = {
  provides: ['T4'],
  title: 'cold load of the automerge-paper document',
  timeLimitMs: (quick) => (quick ? 60_000 : 180_000),
  async run(context) {
    const final = buildFinalDocument()
    const name = docName('t4', `r${context.repeat}`, 0)
    const seeding = await context.startServer()
    await seeding.seed([{ name, update: final.update }])
    await seeding.stop()

    const server = await context.startServer()
    const before = await server.heapAfterGc()
    const first = await openLarge(context.client, server, name, final.length, 60_000)
    const open = await server.heapAfterGc()
    first.close()
    await server.whenUnloaded(name, 60_000)
    const loads = await coldLoads(context.client, server, name, final.length, context.quick ? 2 : 5)
    return {
      'T4.p50': median(loads),
      'T4.first': first.ms,
      'T4.heapPerDoc': (open - before) / 1024 / 1024,
      'T4.snapshotKB': final.update.byteLength / 1024,
    }
  },
}
