import type { FastifyInstance } from 'fastify'
import { createElementBody, createWorldBody } from '../../shared/api.ts'
import type { ElementService } from '../documents/element-service.ts'
import { ApiError } from './api-error.ts'
import { idParam, parseBody } from './parse.ts'

export const registerWorldRoutes = (app: FastifyInstance, elements: ElementService): void => {
  app.post('/api/worlds', async (request, reply) => {
    const world = await elements.createWorld(parseBody(createWorldBody, request.body))
    return reply.code(201).send(world)
  })

  app.get('/api/worlds', () => elements.listWorlds())

  app.get('/api/worlds/:worldId', async (request) => {
    const worldId = idParam(request.params, 'worldId')
    const world = await elements.getWorld(worldId)
    if (!world) throw new ApiError('not-found', `world ${worldId} does not exist`)
    return world
  })

  app.get('/api/worlds/:worldId/elements', async (request) => {
    const worldId = idParam(request.params, 'worldId')
    if (!(await elements.getWorld(worldId))) {
      throw new ApiError('not-found', `world ${worldId} does not exist`)
    }
    return elements.listElements(worldId)
  })

  app.post('/api/worlds/:worldId/elements', async (request, reply) => {
    const worldId = idParam(request.params, 'worldId')
    const body = parseBody(createElementBody, request.body)
    if (!(await elements.getWorld(worldId))) {
      throw new ApiError('not-found', `world ${worldId} does not exist`)
    }
    return reply.code(201).send(await elements.createElement(worldId, body))
  })
}
