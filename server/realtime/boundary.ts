/**
 * The catch boundary for socket handlers. Socket.IO calls listeners synchronously from the
 * WebSocket message path: an exception escaping one would take the whole process down, and a
 * rejected async handler would go unreported. Every handler is wrapped here; a failure is logged
 * and, when the client asked for an acknowledgement, answered with `internal`.
 */
import type { Logger } from 'pino'
import { failure } from '../../shared/errors.ts'

type Handler = (...args: unknown[]) => unknown

export const guarded =
  (logger: Logger, event: string, handler: Handler) =>
  (...args: unknown[]): void => {
    const report = (error: unknown): void => {
      logger.error({ err: error, event }, 'socket handler failed')
      const ack = args[args.length - 1]
      if (typeof ack === 'function') {
        try {
          ack(failure('internal', 'the server failed to handle this message; it has been logged'))
        } catch (ackError) {
          logger.error({ err: ackError, event }, 'acknowledgement failed')
        }
      }
    }
    try {
      const result = handler(...args)
      if (result instanceof Promise) result.catch(report)
    } catch (error) {
      report(error)
    }
  }

/** A shared listener: called with the socket as `this` and the message's arguments. */
export type SocketListener<S extends object> = (this: S, ...args: unknown[]) => void

/**
 * A listener shared by every socket: built once per server and registered as is on each socket,
 * which Socket.IO passes as `this` (listeners are called on their emitter). An idle connection then
 * carries no closures of its own. `handler` gets the socket first, then the message's arguments.
 */
export const socketListener = <S extends object>(
  logger: Logger,
  event: string,
  handler: (socket: S, ...args: unknown[]) => unknown,
): SocketListener<S> => {
  const run = guarded(logger, event, handler as Handler)
  return function (this: S, ...args: unknown[]): void {
    run(this, ...args)
  }
}
