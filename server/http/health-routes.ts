import type { FastifyInstance } from 'fastify'
import type { DocumentStore } from '../storage/store.ts'

export interface HealthState {
  readonly shuttingDown: () => boolean
}

/** `/healthz`: the process answers. `/readyz`: storage is writable and we are not shutting down. */
export const registerHealthRoutes = (
  app: FastifyInstance,
  store: DocumentStore,
  state: HealthState,
): void => {
  app.get('/healthz', () => ({ status: 'ok' }))

  app.get('/readyz', async (_request, reply) => {
    if (state.shuttingDown()) {
      return reply.code(503).send({ status: 'shutting-down', storage: 'unknown' })
    }
    try {
      await store.checkWritable()
      return { status: 'ready', storage: 'ok' }
    } catch {
      return reply.code(503).send({ status: 'not-ready', storage: 'failing' })
    }
  })
}
