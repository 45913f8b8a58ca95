/**
 * One open element: its Y.Doc, its Awareness, and who is in it. A room applies what clients send,
 * remembers which awareness client ids belong to which socket, and tracks writes in flight so the
 * registry never unloads it with a write pending. It knows nothing about Socket.IO or SQL.
 */
import { equalityDeep } from 'lib0/function'
import * as Y from 'yjs'
import { encodeAwarenessUpdate, removeAwarenessStates, type Awareness } from 'y-protocols/awareness'
import { readFields, sameFields, type ElementFields } from '../../shared/element-doc.ts'
import { docRoom } from '../../shared/protocol.ts'
import type { StoredDocument } from '../storage/store.ts'
import { applyAwarenessEntries, type AwarenessEntry } from '../../shared/awareness-entries.ts'
import { filterAwarenessUpdate, type AwarenessIdentity } from './awareness-filter.ts'
import { createRoomAwareness, releaseAwareness } from './room-awareness.ts'
import { SmallMap } from './small-map.ts'
import { stateVectorOfUpdate } from './state-vector.ts'
import { applyWithEffect, type UpdateEffect } from './effective-update.ts'
import { bringsOnlyNew, findMissingDependency } from './update-dependencies.ts'
import { STORE_ORIGIN, socketOrigin, type UpdateOrigin } from './origins.ts'

/**
 * Where each client's structs end in a decoded update: what `Y.parseUpdateMeta(update).to` gives,
 * read from the structs already decoded instead of parsing the bytes a second time.
 */
const structEnds = (structs: readonly { id: Y.ID; length: number }[]): Map<number, number> => {
  const ends = new Map<number, number>()
  for (const { id, length } of structs) {
    const end = id.clock + length
    if (end > (ends.get(id.client) ?? 0)) ends.set(id.client, end)
  }
  return ends
}

export class MalformedUpdateError extends Error {
  override name = 'MalformedUpdateError'
}

/** An update wrote structs under a Yjs client id that another person's socket in this room owns. */
export class ForgedIdentityError extends Error {
  override name = 'ForgedIdentityError'
}

interface Member {
  /** Whose socket it is: a person's sockets may hand client ids to each other (a reconnect). */
  readonly userId: string
  /**
   * Yjs / awareness client ids this socket has used in this room: usually one, so an exact-size
   * array replaced on the rare change (a Set costs ~150 bytes per member of every open room).
   */
  clientIds: readonly number[]
}

/** Every room starts with no write in flight; they can share the settled promise that says so. */
const SETTLED: Promise<void> = Promise.resolve()

/** What integrating a client's update changed (`Room.integrateClientUpdate`), fields aside. */
export type IntegratedUpdate = Omit<AppliedUpdate, 'fields'>

/** What applying a client's update changed. */
export interface AppliedUpdate {
  /** The bytes to persist and broadcast; null when the update changed nothing. */
  readonly effective: Uint8Array | null
  /**
   * Set when the update could not be fully integrated (it depends on something not yet seen): the
   * raw bytes must be stored too, or a crash would lose what only memory holds.
   */
  readonly pendingRaw: Uint8Array | null
  /** The new indexed fields, when the update changed name, summary or kind. */
  readonly fields: ElementFields | null
  /**
   * What the doc changed on its own while integrating the update (Yjs deletes redundant formatting
   * marks in a cleanup transaction after every remote change): part of `effective`, and news to the
   * sender too, which would otherwise keep marks every other replica deleted.
   */
  readonly echo?: Uint8Array | null
}

/** `Y.encodeStateVector` of an empty document is a single zero (no clients). */
const isEmptyStateVector = (stateVector: Uint8Array): boolean =>
  stateVector.byteLength === 1 && stateVector[0] === 0

/**
 * `text` as one contiguous string. V8 keeps a concatenation as a 32-byte pair pointing at its
 * parts (or, once read, at a flattened copy) for as long as the result is held. Ids are ASCII; a
 * string Latin-1 cannot carry is returned as it is.
 */
const flat = (text: string): string => {
  const copy = Buffer.from(text, 'latin1').toString('latin1')
  return copy === text ? copy : text
}

/**
 * An awareness frame a room admitted (`Room.admitClientAwareness`) and has not applied yet: what
 * to relay, for which client ids, and the parsed entries to hand to `Room.holdAwareness`.
 */
export interface AdmittedAwareness {
  /** The frame to relay: only the entries the socket may send, under its session's identity. */
  readonly update: Uint8Array
  readonly clientIds: readonly number[]
  readonly entries: readonly AwarenessEntry[]
}

/**
 * An awareness frame a room accepted: what to relay, for which client ids, and whether it only
 * renews.
 */
export interface AcceptedAwareness {
  /** The frame to relay: only the entries the socket may send, under its session's identity. */
  readonly update: Uint8Array
  readonly clientIds: readonly number[]
  /** Every entry only renews a state the room holds (Room.renews): nobody learns anything new. */
  readonly renewal: boolean
}

export class Room {
  readonly docId: string
  readonly worldId: string
  /**
   * The broadcast group its members join (`docRoom(docId)`, shared/protocol.ts), built once: every
   * socket in the element then holds this one string instead of a concatenation of its own
   * (88 bytes a connection, benchmark T3).
   */
  readonly broadcastGroup: string
  readonly awareness: Awareness
  /**
   * Built on the first use of `doc`: until then nothing needs it (a client with nothing is
   * answered from the snapshot bytes, awareness has its own client id), and an empty Y.Doc
   * weighs about 2 KB in every idle room.
   */
  private ydoc: Y.Doc | null = null
  private closed = false
  /**
   * What storage held, until it is applied to `ydoc` on the first use of `doc`. Until then a
   * client with an empty state vector is answered from the stored snapshot bytes: a cold load
   * costs no Yjs integration before the answer leaves, and a document only read never builds.
   * Just the snapshot when that is all storage held (the usual case after an unload compacted
   * the log): the load's wrapper object and empty row list were 80 bytes a room (benchmark T3).
   */
  private unapplied: StoredDocument | Uint8Array | null
  /**
   * socket id → who it belongs to and the client ids it has used here. Most rooms have one member:
   * a SmallMap holds it in two fields instead of a 184-byte Map (benchmark T3).
   */
  private readonly members: Map<string, Member> = new SmallMap()
  /**
   * Yjs client id → the socket that owns it, claimed by the first update or awareness entry that
   * uses it. Awareness and document share the id (y-protocols uses `doc.clientID`), so they share
   * the claim: nobody can write or appear under an id another person is using. (A SmallMap, as
   * `members` is.)
   */
  private readonly clientOwners: Map<number, string> = new SmallMap()
  /** Writes of this room's updates not yet settled (committed, or given up on); null before any. */
  private writes: Set<Promise<unknown>> | null = null
  /**
   * Settles once every write begun so far has settled: one link per write, so waiting for "all
   * earlier writes" costs the same however many are in flight (each update's acknowledgement
   * waits for it).
   */
  private allWritten: Promise<void> = SETTLED
  private fields: ElementFields | null = null
  /** Highest log sequence number known to be contained in `doc` (loaded or committed here). */
  committedSeq: number
  /** Log rows written since the last snapshot; decides when to compact. */
  rowsSinceSnapshot: number
  /**
   * What the document weighs in storage (snapshot plus log), counted as updates are accepted and
   * set again by compaction: the per-document cap is checked against it.
   */
  storedBytes: number
  compacting = false

  constructor(docId: string, worldId: string, stored: StoredDocument) {
    this.docId = docId
    this.worldId = worldId
    this.broadcastGroup = flat(docRoom(docId))
    this.unapplied = stored.snapshot && stored.updates.length === 0 ? stored.snapshot : stored
    this.committedSeq = stored.lastSeq
    this.rowsSinceSnapshot = stored.updates.length
    this.storedBytes = stored.updates.reduce(
      (sum, update) => sum + update.byteLength,
      stored.snapshot?.byteLength ?? 0,
    )
    this.awareness = createRoomAwareness()
  }

  /** The element's document, with everything storage held applied. */
  get doc(): Y.Doc {
    let doc = this.ydoc
    if (!doc) {
      doc = this.ydoc = new Y.Doc({ gc: true })
      // After an unload the document is gone, as it was when it was built from the start.
      if (this.closed) doc.destroy()
    }
    const stored = this.unapplied
    if (stored) {
      this.unapplied = null
      Y.transact(
        doc,
        () => {
          if (stored instanceof Uint8Array) return Y.applyUpdate(doc, stored)
          if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot)
          for (const update of stored.updates) Y.applyUpdate(doc, update)
        },
        STORE_ORIGIN,
      )
      this.fields = readFields(doc)
    }
    return doc
  }

  /** True once the room was unloaded; does not build the document. */
  get destroyed(): boolean {
    return this.closed
  }

  get memberCount(): number {
    return this.members.size
  }

  get pendingWrites(): number {
    return this.writes?.size ?? 0
  }

  /**
   * Resolves once every write in flight now has settled. Whatever the doc holds at this moment is
   * then durable: each update is applied and its write started in the same turn.
   */
  whenWritten(): Promise<void> {
    return this.allWritten
  }

  get currentFields(): ElementFields {
    const doc = this.doc // applies what storage held, which sets the fields
    return this.fields ?? readFields(doc)
  }

  /** The sockets in this room on this node (for telling the world who has the element open). */
  memberSocketIds(): string[] {
    return [...this.members.keys()]
  }

  hasMember(socketId: string): boolean {
    return this.members.has(socketId)
  }

  /** `userId` defaults to the socket id: every socket a different person. */
  addMember(socketId: string, userId: string = socketId): void {
    if (!this.members.has(socketId)) this.members.set(socketId, { userId, clientIds: [] })
  }

  /**
   * Removes a member and its awareness states. Returns the awareness update announcing the removal
   * (to broadcast), or null when the member had no states.
   */
  removeMember(socketId: string): Uint8Array | null {
    const ids = this.members.get(socketId)?.clientIds
    this.members.delete(socketId)
    if (!ids || ids.length === 0) return null
    for (const id of ids) if (this.clientOwners.get(id) === socketId) this.clientOwners.delete(id)
    const present = ids.filter((id) => this.awareness.getStates().has(id))
    if (present.length === 0) return null
    removeAwarenessStates(this.awareness, present, socketOrigin(socketId))
    return encodeAwarenessUpdate(this.awareness, present)
  }

  /**
   * What a joining client with `stateVector` lacks, and the server's state vector. A client that
   * has nothing, joining before the stored document was applied, gets the stored snapshot as it
   * is. Throws MalformedUpdateError on a bad vector.
   */
  joinAnswer(stateVector: Uint8Array): { update: Uint8Array; stateVector: Uint8Array } {
    const snapshot = this.unapplied instanceof Uint8Array ? this.unapplied : null
    if (snapshot && isEmptyStateVector(stateVector)) {
      return { update: snapshot, stateVector: stateVectorOfUpdate(snapshot) }
    }
    return { update: this.diffFor(stateVector), stateVector: this.encodeStateVector() }
  }

  /** Computes what a client with `stateVector` lacks. Throws MalformedUpdateError on a bad vector. */
  diffFor(stateVector: Uint8Array): Uint8Array {
    try {
      return Y.encodeStateAsUpdate(this.doc, stateVector)
    } catch (error) {
      throw new MalformedUpdateError(`state vector cannot be decoded: ${String(error)}`)
    }
  }

  encodeStateVector(): Uint8Array {
    return Y.encodeStateVector(this.doc)
  }

  /** The whole document as one update: what compaction stores as the snapshot. */
  encodeSnapshot(): Uint8Array {
    return Y.encodeStateAsUpdate(this.doc)
  }

  encodeAwareness(): Uint8Array {
    return encodeAwarenessUpdate(this.awareness, [...this.awareness.getStates().keys()])
  }

  /** The states of those of `clientIds` still here, as one frame; null when none is. */
  encodeAwarenessOf(clientIds: Iterable<number>): Uint8Array | null {
    const states = this.awareness.getStates()
    const present = [...clientIds].filter((id) => states.has(id))
    return present.length > 0 ? encodeAwarenessUpdate(this.awareness, present) : null
  }

  /**
   * Integrates a client's update; `withFieldChanges` then says what it did to the indexed fields
   * (`applyClientUpdate` does both). The bytes are fully decoded before they touch the document,
   * so a malformed update throws MalformedUpdateError and leaves the room exactly as it was.
   * Structs written under a client id another person's socket owns throw ForgedIdentityError,
   * also before anything is applied; ids nobody owns are claimed for this socket. (Deletions name
   * other clients' structs by design and are not checked: deleting what others wrote is editing.)
   */
  integrateClientUpdate(socketId: string, update: Uint8Array): IntegratedUpdate {
    let writers: number[]
    let missing: string | null
    let onlyNew = false
    try {
      const decoded = Y.decodeUpdate(update)
      writers = this.newWriters(structEnds(decoded.structs))
      missing = findMissingDependency(this.doc, decoded)
      onlyNew = missing === null && bringsOnlyNew(this.doc, decoded)
    } catch (error) {
      throw new MalformedUpdateError(`update cannot be decoded: ${String(error)}`)
    }
    if (missing !== null) {
      throw new MalformedUpdateError(
        `the update builds on changes this server does not have (${missing}); join again to send them`,
      )
    }
    const forged = writers.find((clientId) => !this.mayUse(socketId, clientId))
    if (forged !== undefined) {
      throw new ForgedIdentityError(
        `client id ${forged} belongs to someone else in this document; use your own Y.Doc`,
      )
    }
    let effect: UpdateEffect
    try {
      effect = applyWithEffect(this.doc, update, socketOrigin(socketId), onlyNew)
    } catch (error) {
      throw new MalformedUpdateError(`update cannot be applied: ${String(error)}`)
    }
    const { effective, echo } = effect
    for (const clientId of writers) this.claim(socketId, clientId)
    const store = this.doc.store
    const pendingRaw = store.pendingStructs !== null || store.pendingDs !== null ? update : null
    this.storedBytes += (effective?.byteLength ?? 0) + (pendingRaw?.byteLength ?? 0)
    return { effective, pendingRaw, echo }
  }

  /**
   * `integrateClientUpdate` and then `withFieldChanges`: the whole of applying a client's update,
   * for callers with nothing to do in between.
   */
  applyClientUpdate(socketId: string, update: Uint8Array): AppliedUpdate {
    return this.withFieldChanges(this.integrateClientUpdate(socketId, update))
  }

  /**
   * What `integrated` did, with the indexed fields when it changed them. Call it right after the
   * update was integrated (the relay may come in between: it reads nothing of the doc), before
   * anything else changes the doc, so the change is reported with the update that made it.
   */
  withFieldChanges(integrated: IntegratedUpdate): AppliedUpdate {
    let fields: ElementFields | null = null
    if (integrated.effective) {
      const next = readFields(this.doc)
      if (this.fields === null || !sameFields(next, this.fields)) {
        this.fields = next
        fields = next
      }
    }
    return { ...integrated, fields }
  }

  /**
   * Applies what this node learned from elsewhere: another node's update, or rows read back from
   * storage on a resync. Nothing here is persisted. Returns the bytes that were new to this room
   * (what its clients may lack too), or null. Throws MalformedUpdateError on undecodable bytes.
   */
  applyRemoteUpdate(update: Uint8Array, origin: UpdateOrigin): Uint8Array | null {
    let effective: Uint8Array | null
    try {
      effective = applyWithEffect(this.doc, update, origin, false).effective
    } catch (error) {
      throw new MalformedUpdateError(`remote update cannot be applied: ${String(error)}`)
    }
    // Keep the fields current so the next local edit does not report this change as its own.
    if (effective) this.fields = readFields(this.doc)
    return effective
  }

  /** True when the doc holds updates waiting for others it has not seen: a sign to resync. */
  get missingDependencies(): boolean {
    return this.doc.store.pendingStructs !== null || this.doc.store.pendingDs !== null
  }

  /**
   * Admits an awareness update from a socket, keeping only entries for client ids that socket
   * owns (or claims first), with each state's `user` replaced by `identity`: who someone appears
   * to be is decided by their session, never by what their client says. Returns the bytes to
   * broadcast and the parsed entries, or null if nothing was left. Nothing is applied until
   * `holdAwareness`: the caller may relay the frame first, so its recipients do not wait for the
   * room's bookkeeping.
   */
  admitClientAwareness(
    socketId: string,
    update: Uint8Array,
    identity: AwarenessIdentity,
  ): AdmittedAwareness | null {
    if (!this.members.has(socketId)) return null
    const filtered = filterAwarenessUpdate(
      update,
      (clientId) => this.mayUse(socketId, clientId),
      identity,
    )
    if (!filtered) return null
    for (const clientId of filtered.clientIds) this.claim(socketId, clientId)
    return filtered
  }

  /**
   * Applies entries `admitClientAwareness` admitted for `socketId`. The states held keep `identity`
   * itself as their `user` (see `shareIdentity`): pass one object per session, never changed. The
   * entries are applied as the filter parsed them (shared/awareness-entries.ts), not decoded and
   * parsed a second time.
   */
  holdAwareness(socketId: string, admitted: AdmittedAwareness): void {
    applyAwarenessEntries(this.awareness, admitted.entries, socketOrigin(socketId))
  }

  /**
   * `admitClientAwareness` and `holdAwareness` at once, saying also whether the frame only renews
   * states this room holds.
   */
  applyClientAwareness(
    socketId: string,
    update: Uint8Array,
    identity: AwarenessIdentity,
  ): AcceptedAwareness | null {
    const admitted = this.admitClientAwareness(socketId, update, identity)
    if (!admitted) return null
    // Decided before the entries replace the states they are compared with.
    const renewal = admitted.entries.every((entry) => this.renews(entry))
    this.holdAwareness(socketId, admitted)
    return { update: admitted.update, clientIds: admitted.clientIds, renewal }
  }

  /**
   * Whether `entry` only renews a state this room holds: newer, and equal to it. y-protocols
   * clients re-send an unchanged state every 15 s so that nobody drops it as gone after 30 s.
   */
  private renews({ clientId, clock, state }: AwarenessEntry): boolean {
    if (state === null) return false
    const held = this.awareness.states.get(clientId)
    const known = this.awareness.meta.get(clientId)
    return held !== undefined && known !== undefined && known.clock < clock
      ? equalityDeep(state, held)
      : false
  }

  /**
   * The client ids under which an update writes something this room does not have yet. Structs
   * the room already holds (integrated or pending) are not writes: a client legitimately sends
   * them back, e.g. pending structs it received in its join answer, which Yjs includes in every
   * `encodeStateAsUpdate`.
   */
  private newWriters(ends: Map<number, number>): number[] {
    const pending = this.doc.store.pendingStructs
    // Yjs keeps pending structs V2-encoded.
    const pendingEnds = pending ? Y.parseUpdateMetaV2(pending.update).to : new Map<number, number>()
    return [...ends]
      .filter(([client, end]) => {
        const held = Math.max(Y.getState(this.doc.store, client), pendingEnds.get(client) ?? 0)
        return end > held
      })
      .map(([client]) => client)
  }

  /** Whether `socketId` may write or appear as `clientId`: unowned, its own, or its person's. */
  private mayUse(socketId: string, clientId: number): boolean {
    const owner = this.clientOwners.get(clientId)
    if (owner === undefined || owner === socketId) return true
    return this.members.get(owner)?.userId === this.members.get(socketId)?.userId
  }

  private claim(socketId: string, clientId: number): void {
    const member = this.members.get(socketId)
    if (!member) return
    const previous = this.clientOwners.get(clientId)
    if (previous !== undefined && previous !== socketId) {
      const other = this.members.get(previous)
      if (other) other.clientIds = other.clientIds.filter((id) => id !== clientId)
    }
    this.clientOwners.set(clientId, socketId)
    // concat allocates exactly the length needed; a spread would reserve room for 16 more.
    if (!member.clientIds.includes(clientId)) member.clientIds = member.clientIds.concat(clientId)
  }

  /** Counts `write` as in flight until `endWrite` (called in the same turn it settles). */
  beginWrite(write: Promise<unknown>): void {
    const writes = (this.writes ??= new Set())
    writes.add(write)
    const settled = write.then(
      () => undefined,
      () => undefined,
    )
    this.allWritten = this.allWritten.then(() => settled)
  }

  endWrite(write: Promise<unknown>): void {
    this.writes?.delete(write)
  }

  destroy(): void {
    this.closed = true
    this.unapplied = null
    releaseAwareness(this.awareness)
    this.ydoc?.destroy()
    this.members.clear()
    this.clientOwners.clear()
  }
}
