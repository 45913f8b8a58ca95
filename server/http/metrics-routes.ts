import type { FastifyInstance } from 'fastify'

export interface MetricsExposition {
  readonly contentType: string
  render(): Promise<string>
}

/** `/metrics`: Prometheus text exposition. */
export const registerMetricsRoutes = (app: FastifyInstance, metrics: MetricsExposition): void => {
  app.get('/metrics', async (_request, reply) =>
    reply.type(metrics.contentType).send(await metrics.render()),
  )
}
