/**
 * The HTTP side: JSON API, health, CORS for configured origins, and the built web app (with an
 * SPA fallback) when it exists. Errors always leave as `{ error: { code, message } }`.
 */
import { existsSync } from 'node:fs'
import fastifyCors from '@fastify/cors'
import fastifyStatic from '@fastify/static'
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
} from 'fastify'
import type { Logger } from 'pino'
import { HTTP_STATUS, type ErrorCode } from '../../shared/errors.ts'
import type { WorldAccess } from '../access/world-access.ts'
import type { AuthService } from '../auth/auth-service.ts'
import type { AuthThrottle } from '../auth/throttle.ts'
import type { ElementService } from '../documents/element-service.ts'
import { isOriginAllowed } from '../realtime/origin-policy.ts'
import type { DocumentStore } from '../storage/store.ts'
import { ApiError } from './api-error.ts'
import { registerAuthRoutes } from './auth-routes.ts'
import { createRequirePrincipal } from './authenticate.ts'
import { QuietRequestLogs } from './request-logging.ts'
import { registerElementRoutes } from './element-routes.ts'
import { registerHealthRoutes, type HealthState } from './health-routes.ts'
import { registerMemberRoutes } from './member-routes.ts'
import { registerMetricsRoutes, type MetricsExposition } from './metrics-routes.ts'
import { registerWorldRoutes } from './world-routes.ts'

export interface HttpAppOptions {
  readonly logger: Logger
  readonly corsOrigins: readonly string[]
  readonly staticDir: string
  readonly elements: ElementService
  readonly store: DocumentStore
  readonly health: HealthState
  readonly metrics: MetricsExposition
  readonly security: HttpSecurity
}

/** Accounts and permissions: every /api route except register, login and refresh needs a user. */
export interface HttpSecurity {
  readonly auth: AuthService
  readonly access: WorldAccess
  readonly throttle: AuthThrottle
}

const API_BODY_LIMIT = 64 * 1024

const codeForFastifyError = (error: FastifyError): ErrorCode => {
  if (error.statusCode === 413) return 'too-large'
  if (error.statusCode !== undefined && error.statusCode < 500) return 'invalid-request'
  return 'internal'
}

export const createHttpApp = async (options: HttpAppOptions): Promise<FastifyInstance> => {
  const app: FastifyInstance = Fastify({
    // pino's Logger is Fastify's logger; only the generic parameters differ.
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: API_BODY_LIMIT,
    logController: new QuietRequestLogs(),
    // Requests the router refuses before any route runs (a malformed URL or path parameter)
    // leave with the same error shape as everything else.
    frameworkErrors: (error, _request, reply) => {
      const status = (error as FastifyError).statusCode ?? 400
      void (reply as FastifyReply)
        .code(status)
        .send({ error: { code: 'invalid-request', message: error.message } })
    },
  })

  // Browsers on foreign origins are refused outright, not merely denied the response.
  app.addHook('onRequest', async (request, reply) => {
    if (!isOriginAllowed(request.headers, options.corsOrigins)) {
      return reply
        .code(403)
        .send({ error: { code: 'forbidden', message: 'this origin is not allowed' } })
    }
  })
  await app.register(fastifyCors, { origin: [...options.corsOrigins], credentials: true })

  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    if (error instanceof ApiError) {
      return reply.code(error.status).send({ error: { code: error.code, message: error.message } })
    }
    const code = codeForFastifyError(error)
    if (code === 'internal') request.log.error({ err: error }, 'request failed')
    const message =
      code === 'internal'
        ? 'the server failed to handle this request; it has been logged'
        : error.message
    return reply.code(error.statusCode ?? HTTP_STATUS[code]).send({ error: { code, message } })
  })

  registerHealthRoutes(app, options.store, options.health)
  registerMetricsRoutes(app, options.metrics)
  const { auth, access, throttle } = options.security
  const requirePrincipal = createRequirePrincipal(auth)
  registerAuthRoutes(app, { auth, throttle, requirePrincipal })
  registerWorldRoutes(app, { elements: options.elements, access, requirePrincipal })
  registerElementRoutes(app, { elements: options.elements, access, requirePrincipal })
  registerMemberRoutes(app, { access, requirePrincipal })

  const notFound = (path: string) => ({
    error: { code: 'not-found', message: `no route for ${path}` },
  })
  if (existsSync(options.staticDir)) {
    await app.register(fastifyStatic, { root: options.staticDir, wildcard: false })
    // Every non-API path is a page of the single-page app (world and element links, reloads).
    app.setNotFoundHandler((request, reply) => {
      if (request.method !== 'GET' || request.url.startsWith('/api/')) {
        return reply.code(404).send(notFound(request.url))
      }
      return reply.sendFile('index.html')
    })
  } else {
    app.setNotFoundHandler((request, reply) => reply.code(404).send(notFound(request.url)))
  }
  return app
}
