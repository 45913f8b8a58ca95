/**
 * `world:subscribe` / `world:unsubscribe`: a socket in a world's room receives element:created,
 * element:updated and element:deleted for that world.
 */
import { worldRoom, type WorldSubscribeResult } from '../../shared/protocol.ts'
import type { RealtimeContext } from './context.ts'
import { fail, replyOf } from './replies.ts'
import { guarded } from './boundary.ts'
import type { LoresyncSocket } from './types.ts'
import { checkId } from './validate.ts'

export const registerWorldHandlers = (
  socket: LoresyncSocket,
  { store, logger }: RealtimeContext,
): void => {
  socket.on(
    'world:subscribe',
    guarded(logger, 'world:subscribe', async (rawWorldId: unknown, ack: unknown) => {
      const reply = replyOf<WorldSubscribeResult>(ack)
      const worldId = checkId(rawWorldId, 'worldId')
      if (!worldId.ok) return reply(worldId)
      try {
        const world = await store.getWorld(worldId.value)
        if (!world) return reply(fail('not-found', `world ${worldId.value} does not exist`))
        // Join before reading the index so no change can fall between the read and the subscription.
        await socket.join(worldRoom(worldId.value))
        const elements = await store.listElements(worldId.value)
        reply({ ok: true, elements })
      } catch (error) {
        logger.error({ err: error, worldId: worldId.value }, 'world subscription failed')
        reply(fail('unavailable', 'the world index could not be read; try again'))
      }
    }),
  )

  socket.on(
    'world:unsubscribe',
    guarded(logger, 'world:unsubscribe', (rawWorldId: unknown) => {
      const worldId = checkId(rawWorldId, 'worldId')
      if (worldId.ok) void socket.leave(worldRoom(worldId.value))
    }),
  )
}
