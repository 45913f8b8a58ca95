/**
 * T3 idle memory: 200 elements of 2,000 characters with one client each, then 4 more clients
 * each; server heap after forced GC at each stage.
 */
import { docName, fillerText, textUpdate } from '../lib/documents.ts'
import { sleep, withTimeout } from '../lib/time.ts'
import type { ClientConnection, OpenedDoc } from '../clients/types.ts'
import type { Scenario } from './types.ts'

const SETTLE_MS = 500

export const idleMemory: Scenario = {
  provides: ['T3'],
  title: 'idle memory',
  timeLimitMs: (quick) => (quick ? 45_000 : 300_000),
  async run(context) {
    const { quick } = context
    const elements = quick ? 20 : 200
    const extra = quick ? 1 : 4
    const prng = context.prng.fork('idle-memory')
    const names = Array.from({ length: elements }, (_, i) => docName('t3', `r${context.repeat}`, i))
    const server = await context.startServer()
    await server.seed(
      names.map((name) => ({ name, update: textUpdate(fillerText(2000, prng.int)) })),
    )
    const clients: { connection: ClientConnection; opened: OpenedDoc }[] = []
    context.defer(() => {
      for (const { opened, connection } of clients) {
        opened.destroy()
        connection.close()
      }
    })
    const openRound = async (round: number): Promise<void> => {
      const opened = names.map((name, index) => {
        const connection = context.client.connect(server)
        const doc = connection.open(name)
        doc.awareness.setLocalStateField('user', {
          name: `user-${index}-${round}`,
          color: '#61afef',
        })
        clients.push({ connection, opened: doc })
        return doc
      })
      await withTimeout(
        Promise.all(opened.map((doc) => doc.whenSynced())),
        120_000,
        'opening clients',
      )
      await sleep(SETTLE_MS)
    }
    await sleep(SETTLE_MS)
    const base = await server.heapAfterGc()
    await openRound(0)
    const withElements = await server.heapAfterGc()
    for (let round = 1; round <= extra; round++) await openRound(round)
    const withConnections = await server.heapAfterGc()
    return {
      'T3.perElement': (withElements - base) / elements / 1024,
      'T3.perConnection': (withConnections - withElements) / (elements * extra) / 1024,
    }
  },
}
