/**
 * `world:subscribe` / `world:unsubscribe`: a socket in a world's room receives element:created,
 * element:updated and element:deleted for that world.
 */
import { worldRoom, type WorldSubscribeResult } from '../../shared/protocol.ts'
import type { RealtimeContext } from './context.ts'
import { presenceOf } from './element-presence.ts'
import { fail, replyOf } from './replies.ts'
import { guarded } from './boundary.ts'
import type { LoresyncSocket } from './types.ts'
import { countsAsOffence } from './offences.ts'
import { checkId } from './validate.ts'

export const registerWorldHandlers = (
  socket: LoresyncSocket,
  { store, logger, observer, access, registry, io }: RealtimeContext,
): void => {
  socket.on(
    'world:subscribe',
    guarded(logger, 'world:subscribe', async (rawWorldId: unknown, ack: unknown) => {
      const { guard, principal } = socket.data
      const reply = replyOf<WorldSubscribeResult>(ack, (code) => {
        observer.rejected(code)
        if (countsAsOffence(code)) guard.offence()
      })
      if (!(await guard.admit())) return reply(fail('rate-limited', 'too many messages: slow down'))
      const worldId = checkId(rawWorldId, 'worldId')
      if (!worldId.ok) return reply(worldId)
      try {
        // Members only; to anyone else a world that exists looks like one that does not.
        if ((await access.roleIn(worldId.value, principal.user.id)) === undefined) {
          return reply(
            fail(
              'forbidden',
              `world ${worldId.value} does not exist or you are not a member of it`,
            ),
          )
        }
        // Join before reading the index so no change can fall between the read and the subscription.
        await socket.join(worldRoom(worldId.value))
        socket.data.worlds.add(worldId.value)
        const elements = await store.listElements(worldId.value)
        const presence = registry
          .roomsOfWorld(worldId.value)
          .map((room) => presenceOf(io, room))
          .filter((entry) => entry.users.length > 0)
        reply({ ok: true, elements, presence })
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
      if (!worldId.ok) return
      socket.data.worlds.delete(worldId.value)
      void socket.leave(worldRoom(worldId.value))
    }),
  )
}
