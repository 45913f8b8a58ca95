/**
 * Checks, before an update touches a room, that everything it builds on is already there: no gap
 * in any client's clock sequence and no reference (origin, right origin, parent) to a struct the
 * room does not hold or the update does not bring.
 *
 * Yjs would otherwise park such structs as "pending" and integrate them when the missing pieces
 * arrive. For a server that is a trap: pending bytes from a hostile client are not validated until
 * that moment, and then they can throw inside the integration of an honest client's update,
 * failing it and every later one (found by the malformed-update fuzz test). A correct client never
 * needs pending structs on the server: everything it has seen came through the server, and its
 * handshake diff carries anything of its own the server lacks.
 */
import * as Y from 'yjs'

/** End clock per client of what `doc` holds: integrated state and pending structs. */
const heldEnds = (doc: Y.Doc): ((client: number) => number) => {
  const pending = doc.store.pendingStructs
  // Yjs keeps pending structs V2-encoded.
  const pendingEnds = pending ? Y.parseUpdateMetaV2(pending.update).to : new Map<number, number>()
  return (client) => Math.max(Y.getState(doc.store, client), pendingEnds.get(client) ?? 0)
}

/**
 * Returns a description of the first missing dependency of a decoded V1 update, or null when the
 * room holds everything it needs. Deletions count too: a deletion of structs nobody has sent yet
 * would otherwise wait and delete someone's text the moment it arrives.
 */
export const findMissingDependency = (
  doc: Y.Doc,
  { structs, ds }: ReturnType<typeof Y.decodeUpdate>,
): string | null => {
  const held = heldEnds(doc)
  // What this update itself brings, per client, as it is read in order.
  const brought = new Map<number, number>()
  const has = (id: Y.ID): boolean =>
    id.clock < held(id.client) || id.clock < (brought.get(id.client) ?? 0)
  for (const struct of structs) {
    const { client, clock } = struct.id
    const end = clock + struct.length
    if (struct instanceof Y.Skip) continue
    const expected = Math.max(held(client), brought.get(client) ?? 0)
    // A struct the room already has is still checked: Yjs looks up its references before it
    // notices the struct is a duplicate, and parks it as pending when one is unknown.
    if (clock > expected) {
      return `client ${client} starts at clock ${clock}, but only ${expected} came before`
    }
    brought.set(client, Math.max(brought.get(client) ?? 0, end))
    if (!(struct instanceof Y.Item)) continue
    for (const ref of [struct.origin, struct.rightOrigin]) {
      if (ref !== null && !has(ref))
        return `it refers to ${ref.client}:${ref.clock}, which is unknown`
    }
    const parent: unknown = struct.parent
    if (parent instanceof Y.ID && !has(parent)) {
      return `its parent ${parent.client}:${parent.clock} is unknown`
    }
  }
  for (const [client, ranges] of ds.clients) {
    const known = Math.max(held(client), brought.get(client) ?? 0)
    const beyond = ranges.find(
      (range: { clock: number; len: number }) => range.clock + range.len > known,
    )
    if (beyond) return `it deletes ${client}:${beyond.clock}+${beyond.len}, which is unknown`
  }
  return null
}
