import type { FastifyInstance } from 'fastify'
import { createElementBody, createWorldBody } from '../../shared/api.ts'
import type { WorldAccess } from '../access/world-access.ts'
import type { ElementService } from '../documents/element-service.ts'
import { requireWorldRole } from './access-checks.ts'
import { ApiError } from './api-error.ts'
import type { RequirePrincipal } from './authenticate.ts'
import { idParam, parseBody } from './parse.ts'

export interface WorldRoutesOptions {
  readonly elements: ElementService
  readonly access: WorldAccess
  readonly requirePrincipal: RequirePrincipal
}

export const registerWorldRoutes = (
  app: FastifyInstance,
  { elements, access, requirePrincipal }: WorldRoutesOptions,
): void => {
  app.post('/api/worlds', async (request, reply) => {
    const principal = await requirePrincipal(request)
    const body = parseBody(createWorldBody, request.body)
    return reply.code(201).send(await access.createWorld(principal.user.id, body))
  })

  /** Only the worlds the caller is a member of, each with the caller's role. */
  app.get('/api/worlds', async (request) => {
    const principal = await requirePrincipal(request)
    return access.listWorlds(principal.user.id)
  })

  app.get('/api/worlds/:worldId', async (request) => {
    const principal = await requirePrincipal(request)
    const worldId = idParam(request.params, 'worldId')
    await requireWorldRole(access, principal, worldId, 'read')
    const world = await access.getWorld(worldId, principal.user.id)
    if (!world)
      throw new ApiError(
        'forbidden',
        `world ${worldId} does not exist or you are not a member of it`,
      )
    return world
  })

  app.get('/api/worlds/:worldId/elements', async (request) => {
    const principal = await requirePrincipal(request)
    const worldId = idParam(request.params, 'worldId')
    await requireWorldRole(access, principal, worldId, 'read')
    return elements.listElements(worldId)
  })

  app.post('/api/worlds/:worldId/elements', async (request, reply) => {
    const principal = await requirePrincipal(request)
    const worldId = idParam(request.params, 'worldId')
    const body = parseBody(createElementBody, request.body)
    await requireWorldRole(access, principal, worldId, 'write')
    return reply.code(201).send(await elements.createElement(worldId, body))
  })
}
