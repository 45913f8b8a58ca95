/**
 * Socket.IO structures of a connection made to fit what they hold. Every idle connection carries
 * them for its whole life (benchmark T3: heap per connection), and each is sized for far more than
 * a Loresync connection ever puts in it. Library internals: each swap checks the field is what it
 * expects and otherwise leaves it alone. What the handshake carried is released separately
 * (handshake-release.ts).
 */
import { SmallMap } from '../rooms/small-map.ts'
import type { LoresyncSocket } from './types.ts'

/**
 * Socket.IO keeps a socket's any-listeners in an array it grows with `push`, which reserves room
 * for 17: 0.13 KB per connection more than our one listener needs (benchmark T3). The array is swapped for an
 * equal one of exactly that length; Socket.IO reads and changes it as before (`offAny`,
 * `listenersAny`). Should the field ever not be that one-listener array, it is left alone.
 */
const compactAnyListeners = (socket: LoresyncSocket): void => {
  const internals = socket as unknown as { _anyListeners?: unknown }
  const listeners = internals._anyListeners
  if (Array.isArray(listeners) && listeners.length === 1) internals._anyListeners = [listeners[0]]
}

/** The Socket.IO fields `compactSocketMaps` swaps, as far as it reads them. */
interface SocketMaps {
  acks?: unknown
  client?: { sockets?: unknown; nsps?: unknown }
}

/** A SmallMap with the entries of `value` when it is a Map of at most one; otherwise null. */
const smallCopy = (value: unknown): SmallMap<unknown, unknown> | null =>
  value instanceof Map && value.size <= 1 ? SmallMap.from(value) : null

/**
 * Socket.IO gives each connection three Maps that hold one entry or none for its whole life: the
 * socket's acknowledgement callbacks (empty: the server never asks clients to acknowledge) and
 * its client's sockets and namespaces (one each: every client here uses one namespace). At 184
 * bytes a Map, they are swapped for SmallMaps (0.4 KB a connection, benchmark T3). Socket.IO only
 * calls Map methods on them (get, set, has, delete, clear, size, values), which a SmallMap has,
 * and keeps using whatever object the field holds; it has filled the client's maps before
 * 'connection'. A field that is not such a Map (another version, a second namespace's socket on
 * the same client) is left alone.
 */
export const compactSocketMaps = (socket: LoresyncSocket): void => {
  const internals = socket as unknown as SocketMaps
  const acks = smallCopy(internals.acks)
  if (acks) internals.acks = acks
  const client = internals.client
  if (!client) return
  const sockets = smallCopy(client.sockets)
  if (sockets) client.sockets = sockets
  const nsps = smallCopy(client.nsps)
  if (nsps) client.nsps = nsps
}

/** Call once the socket's one any-listener is attached (socket-server.ts). */
export const compactConnection = (socket: LoresyncSocket): void => {
  compactAnyListeners(socket)
  compactSocketMaps(socket)
}
