/**
 * One open element: its Y.Doc, its Awareness, and who is in it. A room applies what clients send,
 * remembers which awareness client ids belong to which socket, and tracks writes in flight so the
 * registry never unloads it with a write pending. It knows nothing about Socket.IO or SQL.
 */
import * as Y from 'yjs'
import {
  Awareness,
  applyAwarenessUpdate,
  encodeAwarenessUpdate,
  removeAwarenessStates,
} from 'y-protocols/awareness'
import { readFields, sameFields, type ElementFields } from '../../shared/element-doc.ts'
import type { StoredDocument } from '../storage/store.ts'
import { filterAwarenessUpdate } from './awareness-filter.ts'
import { STORE_ORIGIN, socketOrigin } from './origins.ts'

export class MalformedUpdateError extends Error {
  override name = 'MalformedUpdateError'
}

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
}

export class Room {
  readonly docId: string
  readonly worldId: string
  readonly doc: Y.Doc
  readonly awareness: Awareness
  /** socket id → awareness client ids that socket has used in this room. */
  private readonly members = new Map<string, Set<number>>()
  private writesInFlight = 0
  private fields: ElementFields
  /** Highest log sequence number known to be contained in `doc` (loaded or committed here). */
  committedSeq: number
  /** Log rows written since the last snapshot; decides when to compact. */
  rowsSinceSnapshot: number
  compacting = false

  constructor(docId: string, worldId: string, stored: StoredDocument) {
    this.docId = docId
    this.worldId = worldId
    this.doc = new Y.Doc({ gc: true })
    Y.transact(
      this.doc,
      () => {
        if (stored.snapshot) Y.applyUpdate(this.doc, stored.snapshot)
        for (const update of stored.updates) Y.applyUpdate(this.doc, update)
      },
      STORE_ORIGIN,
    )
    this.committedSeq = stored.lastSeq
    this.rowsSinceSnapshot = stored.updates.length
    this.fields = readFields(this.doc)
    this.awareness = new Awareness(this.doc)
    // The server is not a participant: it must not appear as a caret.
    this.awareness.setLocalState(null)
  }

  get memberCount(): number {
    return this.members.size
  }

  get pendingWrites(): number {
    return this.writesInFlight
  }

  get currentFields(): ElementFields {
    return this.fields
  }

  hasMember(socketId: string): boolean {
    return this.members.has(socketId)
  }

  addMember(socketId: string): void {
    if (!this.members.has(socketId)) this.members.set(socketId, new Set())
  }

  /**
   * Removes a member and its awareness states. Returns the awareness update announcing the removal
   * (to broadcast), or null when the member had no states.
   */
  removeMember(socketId: string): Uint8Array | null {
    const ids = this.members.get(socketId)
    this.members.delete(socketId)
    if (!ids || ids.size === 0) return null
    const present = [...ids].filter((id) => this.awareness.getStates().has(id))
    if (present.length === 0) return null
    removeAwarenessStates(this.awareness, present, socketOrigin(socketId))
    return encodeAwarenessUpdate(this.awareness, present)
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

  /**
   * Applies a client's update. The bytes are fully decoded before they touch the document, so a
   * malformed update throws MalformedUpdateError and leaves the room exactly as it was.
   */
  applyClientUpdate(socketId: string, update: Uint8Array): AppliedUpdate {
    try {
      Y.decodeUpdate(update)
    } catch (error) {
      throw new MalformedUpdateError(`update cannot be decoded: ${String(error)}`)
    }
    let effective: Uint8Array | null = null
    const capture = (bytes: Uint8Array): void => {
      effective = effective ? Y.mergeUpdates([effective, bytes]) : bytes
    }
    this.doc.on('update', capture)
    try {
      Y.applyUpdate(this.doc, update, socketOrigin(socketId))
    } catch (error) {
      throw new MalformedUpdateError(`update cannot be applied: ${String(error)}`)
    } finally {
      this.doc.off('update', capture)
    }
    const store = this.doc.store
    const pendingRaw = store.pendingStructs !== null || store.pendingDs !== null ? update : null
    let fields: ElementFields | null = null
    if (effective) {
      const next = readFields(this.doc)
      if (!sameFields(next, this.fields)) {
        this.fields = next
        fields = next
      }
    }
    return { effective, pendingRaw, fields }
  }

  /**
   * Applies an awareness update from a socket, keeping only entries for client ids that socket owns
   * (or claims first). Returns the filtered bytes to broadcast, or null if nothing was left.
   */
  applyClientAwareness(socketId: string, update: Uint8Array): Uint8Array | null {
    const owned = this.members.get(socketId)
    if (!owned) return null
    const filtered = filterAwarenessUpdate(update, (clientId) => {
      if (owned.has(clientId)) return true
      for (const [other, ids] of this.members) {
        if (other !== socketId && ids.has(clientId)) return false
      }
      owned.add(clientId)
      return true
    })
    if (!filtered) return null
    applyAwarenessUpdate(this.awareness, filtered, socketOrigin(socketId))
    return filtered
  }

  beginWrite(): void {
    this.writesInFlight++
  }

  endWrite(): void {
    this.writesInFlight--
  }

  destroy(): void {
    this.awareness.destroy()
    this.doc.destroy()
    this.members.clear()
  }
}
