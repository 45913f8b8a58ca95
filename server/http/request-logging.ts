/**
 * Per-request log lines at `debug`: a busy editor polls nothing, but every page load and API call
 * would otherwise add two `info` lines. Failed requests still log at `error`.
 */
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify'

export class QuietRequestLogs extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request')
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (error) reply.log.error({ res: reply, err: error }, 'request errored')
    else reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed')
  }
}
