import type { FastifyInstance } from 'fastify'
import type { ElementService } from '../documents/element-service.ts'
import { ApiError } from './api-error.ts'
import { idParam } from './parse.ts'

export const registerElementRoutes = (app: FastifyInstance, elements: ElementService): void => {
  app.get('/api/elements/:id', async (request) => {
    const id = idParam(request.params, 'id')
    const element = await elements.readElement(id)
    if (!element) throw new ApiError('not-found', `element ${id} does not exist`)
    return element
  })

  app.delete('/api/elements/:id', async (request, reply) => {
    const id = idParam(request.params, 'id')
    if (!(await elements.deleteElement(id))) {
      throw new ApiError('not-found', `element ${id} does not exist`)
    }
    return reply.code(204).send()
  })
}
