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

/** An integrated struct (Item) or a garbage-collected range (GC): what an update brings. */
type Struct = Y.Item | Y.GC

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
  // What this update itself brings, per client, in order and without gaps.
  const brought = new Map<number, number>()
  const queues = new Map<number, Struct[]>()
  for (const struct of structs) {
    const { client, clock } = struct.id
    if (struct instanceof Y.Skip) continue
    const expected = Math.max(held(client), brought.get(client) ?? 0)
    // A struct the room already has is still checked: Yjs looks up its references before it
    // notices the struct is a duplicate, and parks it as pending when one is unknown.
    if (clock > expected) {
      return `client ${client} starts at clock ${clock}, but only ${expected} came before`
    }
    brought.set(client, Math.max(brought.get(client) ?? 0, clock + struct.length))
    const queue = queues.get(client)
    if (queue) queue.push(struct)
    else queues.set(client, [struct])
  }
  return unmetReference(held, queues) ?? unknownDeletion(held, brought, ds)
}

/** The first reference of an item to a struct neither held nor integrated before it, or null. */
const unmetReference = (
  held: (client: number) => number,
  queues: Map<number, Struct[]>,
): string | null => {
  // Integrates the update the way Yjs does, without touching a doc: a client's items in order,
  // each once everything it refers to is in. A struct may build on another client's struct that
  // comes later in the same update (Yjs writes the highest client id first: two people's edits
  // that reach the server together, through a third client); a cycle of references never
  // integrates, and Yjs would park it as pending, so it is refused like any unknown reference.
  const integrated = new Map<number, number>()
  const has = (id: Y.ID): boolean =>
    id.clock < Math.max(held(id.client), integrated.get(id.client) ?? 0)
  const unmet = (item: Struct): Y.ID | null => {
    if (!(item instanceof Y.Item)) return null
    for (const ref of [item.origin, item.rightOrigin]) if (ref !== null && !has(ref)) return ref
    const parent: unknown = item.parent
    return parent instanceof Y.ID && !has(parent) ? parent : null
  }
  const next = new Map<number, number>([...queues.keys()].map((client) => [client, 0]))
  let progress = true
  while (progress) {
    progress = false
    for (const [client, queue] of queues) {
      let index = next.get(client) ?? 0
      while (index < queue.length && unmet(queue[index]!) === null) {
        const item = queue[index]!
        integrated.set(client, item.id.clock + item.length)
        index++
        progress = true
      }
      next.set(client, index)
    }
  }
  for (const [client, queue] of queues) {
    const stuck = queue[next.get(client) ?? 0]
    if (!stuck) continue
    const ref = unmet(stuck)!
    const isParent = stuck instanceof Y.Item && ref === stuck.parent
    return isParent
      ? `its parent ${ref.client}:${ref.clock} is unknown`
      : `it refers to ${ref.client}:${ref.clock}, which is unknown`
  }
  return null
}

/** A deletion of structs neither held nor brought, or null. */
const unknownDeletion = (
  held: (client: number) => number,
  brought: Map<number, number>,
  ds: ReturnType<typeof Y.decodeUpdate>['ds'],
): string | null => {
  for (const [client, ranges] of ds.clients) {
    const known = Math.max(held(client), brought.get(client) ?? 0)
    const beyond = ranges.find(
      (range: { clock: number; len: number }) => range.clock + range.len > known,
    )
    if (beyond) return `it deletes ${client}:${beyond.clock}+${beyond.len}, which is unknown`
  }
  return null
}

/**
 * Whether integrating a decoded update adds exactly the structs it carries, all of them: it
 * carries structs, each client's continue the doc's clock for that client without a gap or an
 * overlap, and the doc holds nothing pending that they could release. Call after
 * findMissingDependency found nothing missing, so every struct integrates at once. Deletions may
 * come along: any that are already applied change nothing when applied again.
 */
export const bringsOnlyNew = (
  doc: Y.Doc,
  { structs }: ReturnType<typeof Y.decodeUpdate>,
): boolean => {
  const store = doc.store
  if (structs.length === 0 || store.pendingStructs !== null || store.pendingDs !== null) {
    return false
  }
  const next = new Map<number, number>()
  for (const struct of structs) {
    if (struct instanceof Y.Skip) return false
    const { client, clock } = struct.id
    if (clock !== (next.get(client) ?? Y.getState(store, client))) return false
    next.set(client, clock + struct.length)
  }
  return true
}
