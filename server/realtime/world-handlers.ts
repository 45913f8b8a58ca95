/**
 * `world:subscribe` / `world:unsubscribe`: a socket in a world's room receives element:created,
 * element:updated and element:deleted for that world.
 *
 * The handlers are built once per server and shared by every socket (socket-server.ts), not a set
 * of closures per socket: every idle connection pays for what it holds.
 */
import { worldRoom, type WorldSubscribeResult } from '../../shared/protocol.ts'
import type { RealtimeContext } from './context.ts'
import { presenceOf } from './element-presence.ts'
import { fail, replyOf } from './replies.ts'
import { socketListener, type SocketListener } from './boundary.ts'
import type { LoresyncSocket } from './types.ts'
import { countsAsOffence } from './offences.ts'
import { checkId } from './validate.ts'

/** The world listeners by client event name. */
export type WorldHandlers = Readonly<Record<string, SocketListener<LoresyncSocket>>>

export const worldHandlers = ({
  store,
  logger,
  observer,
  access,
  registry,
  io,
}: RealtimeContext): WorldHandlers => {
  const subscribe = async (
    socket: LoresyncSocket,
    rawWorldId: unknown,
    ack: unknown,
  ): Promise<void> => {
    const { guard, principal } = socket.data
    const reply = replyOf<WorldSubscribeResult>(ack, (code) => {
      observer.rejected(code)
      if (countsAsOffence(code)) guard.offence()
    })
    if (!guard.admit()) return reply(fail('rate-limited', 'too many messages: slow down'))
    const worldId = checkId(rawWorldId, 'worldId')
    if (!worldId.ok) return reply(worldId)
    try {
      // Members only; to anyone else a world that exists looks like one that does not.
      if ((await access.roleIn(worldId.value, principal.user.id)) === undefined) {
        return reply(
          fail('forbidden', `world ${worldId.value} does not exist or you are not a member of it`),
        )
      }
      // Join before reading the index so no change can fall between the read and the subscription.
      await socket.join(worldRoom(worldId.value))
      // Created on first use: most sockets never subscribe to a world.
      const worlds = (socket.data.worlds ??= new Set())
      worlds.add(worldId.value)
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
  }

  const unsubscribe = (socket: LoresyncSocket, rawWorldId: unknown): void => {
    const worldId = checkId(rawWorldId, 'worldId')
    if (!worldId.ok) return
    socket.data.worlds?.delete(worldId.value)
    void socket.leave(worldRoom(worldId.value))
  }

  return {
    'world:subscribe': socketListener<LoresyncSocket>(logger, 'world:subscribe', subscribe),
    'world:unsubscribe': socketListener<LoresyncSocket>(logger, 'world:unsubscribe', unsubscribe),
  }
}
