import type { FastifyInstance } from 'fastify'
import type { WorldAccess } from '../access/world-access.ts'
import type { ElementService } from '../documents/element-service.ts'
import { requireElementRole } from './access-checks.ts'
import { ApiError } from './api-error.ts'
import type { RequirePrincipal } from './authenticate.ts'
import { idParam } from './parse.ts'

export interface ElementRoutesOptions {
  readonly elements: ElementService
  readonly access: WorldAccess
  readonly requirePrincipal: RequirePrincipal
}

export const registerElementRoutes = (
  app: FastifyInstance,
  { elements, access, requirePrincipal }: ElementRoutesOptions,
): void => {
  app.get('/api/elements/:id', async (request) => {
    const principal = await requirePrincipal(request)
    const id = idParam(request.params, 'id')
    await requireElementRole(access, principal, id, 'read')
    const element = await elements.readElement(id)
    if (!element) throw new ApiError('not-found', `element ${id} was deleted`)
    return element
  })

  app.delete('/api/elements/:id', async (request, reply) => {
    const principal = await requirePrincipal(request)
    const id = idParam(request.params, 'id')
    await requireElementRole(access, principal, id, 'write')
    if (!(await elements.deleteElement(id))) {
      throw new ApiError('not-found', `element ${id} was deleted`)
    }
    return reply.code(204).send()
  })
}
