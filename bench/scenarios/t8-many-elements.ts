/** T8: one connection opening 500 stored elements until every one is synced (--quick: 100). */
import { docName, fillerText, textUpdate } from '../lib/documents.ts'
import { now, withTimeout } from '../lib/time.ts'
import type { Scenario } from './types.ts'

export const manyElements: Scenario = {
  provides: ['T8'],
  title: 'one socket opening many elements',
  timeLimitMs: (quick) => (quick ? 45_000 : 180_000),
  async run(context) {
    const count = context.quick ? 100 : 500
    const prng = context.prng.fork('many-elements')
    const names = Array.from({ length: count }, (_, i) => docName('t8', `r${context.repeat}`, i))
    const server = await context.startServer()
    await server.seed(
      names.map((name) => ({ name, update: textUpdate(fillerText(200, prng.int)) })),
    )
    const startedAt = now()
    const connection = context.client.connect(server, { multiplex: true })
    context.defer(() => connection.close())
    const opened = names.map((name) => connection.open(name))
    await withTimeout(Promise.all(opened.map((doc) => doc.whenSynced())), 120_000, 'opening all')
    return { 'T8.allSynced': now() - startedAt }
  },
}
