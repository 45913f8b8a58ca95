import type { FastifyInstance } from 'fastify'
import type { DocumentStore } from '../storage/store.ts'

export interface HealthState {
  readonly shuttingDown: () => boolean
  /**
   * Multi-node mode: probes Redis. Its failure is reported as `degraded`, still 200: clients'
   * updates are stored and acknowledged without Redis (only other nodes see them later), and
   * taking every node out of rotation over a Redis blip would turn it into an outage.
   */
  readonly redis?: () => Promise<void>
}

/**
 * `/healthz`: the process answers. `/readyz`: storage (SQLite or PostgreSQL) is writable and we
 * are not shutting down; in multi-node mode it also reports Redis.
 */
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
    const [storage, redis] = await Promise.all([
      probe(() => store.checkWritable()),
      state.redis ? probe(state.redis) : undefined,
    ])
    const services = redis === undefined ? { storage } : { storage, redis }
    if (storage === 'failing') return reply.code(503).send({ status: 'not-ready', ...services })
    return { status: redis === 'failing' ? 'degraded' : 'ready', ...services }
  })
}

const probe = (check: () => Promise<void>): Promise<'ok' | 'failing'> =>
  check().then(
    () => 'ok',
    () => 'failing',
  )
