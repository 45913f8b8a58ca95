/**
 * Loads each element into at most one Room, keeps it while anyone is in it or a write is in
 * flight, and unloads it (compacting its log first) when the last member leaves.
 *
 * Invariants:
 * - concurrent joins of an unloaded element share one load promise;
 * - a failed or empty load is never cached;
 * - a room is never destroyed while a write for it is pending;
 * - a join that arrives while the room is closing waits for the close, then loads afresh.
 */
import type { Logger } from 'pino'
import type { ElementSummary } from '../../shared/api.ts'
import { InFlight } from '../lifecycle/in-flight.ts'
import type { GroupCommitter } from '../storage/group-commit.ts'
import type { DocumentStore } from '../storage/store.ts'
import { Room, type AppliedUpdate } from './room.ts'
import { retryUntilCommitted } from './write-retry.ts'

export class ElementNotFoundError extends Error {
  override name = 'ElementNotFoundError'
}

export interface RoomRegistryOptions {
  readonly store: DocumentStore
  readonly committer: GroupCommitter
  readonly logger: Logger
  /** Compact a document's log into its snapshot once it holds this many rows. */
  readonly compactAfterRows?: number
  /** Told after a commit that changed an element's name, summary or kind. */
  readonly onIndexChange?: (element: ElementSummary) => void
  /** Told after each compaction attempt (for metrics). */
  readonly onCompaction?: (outcome: 'ok' | 'failed') => void
  /** Multi-node mode: keeps rooms current with the other nodes (see cluster/peer-sync.ts). */
  readonly lifecycle?: RoomLifecycle
}

/**
 * What a multi-node deployment hooks into a room's life. `beforeLoad` runs before storage is read
 * (so nothing published meanwhile is missed), `loaded`/`unloaded` bracket the room, and `catchUp`
 * applies everything storage holds, resolving with the highest seq read (undefined: element gone).
 */
export interface RoomLifecycle {
  beforeLoad(docId: string): Promise<void>
  loaded(room: Room): void
  unloaded(docId: string): void
  /** The rows of one client update, once committed (and only then: see cluster/peer-sync.ts). */
  committed(room: Room, updates: readonly Uint8Array[]): void
  catchUp(room: Room): Promise<number | undefined>
}

export class RoomRegistry {
  private readonly rooms = new Map<string, Room>()
  private readonly loading = new Map<string, Promise<Room>>()
  private readonly closing = new Map<string, Promise<void>>()
  /**
   * One copy of each world id for all the loaded rooms of that world, with how many hold it: each
   * load reads the id afresh (56 bytes a room, benchmark T3). Dropped with the world's last room.
   */
  private readonly worldIds = new Map<string, { readonly id: string; rooms: number }>()
  private readonly store: DocumentStore
  private readonly committer: GroupCommitter
  private readonly logger: Logger
  private readonly compactAfterRows: number
  private readonly onIndexChange: ((element: ElementSummary) => void) | undefined
  private readonly onCompaction: ((outcome: 'ok' | 'failed') => void) | undefined
  private readonly lifecycle: RoomLifecycle | undefined
  /** Every `persist` not yet settled: no room is unloaded for shutdown before these are. */
  private readonly persisting = new InFlight()
  private shuttingDown = false

  constructor(options: RoomRegistryOptions) {
    this.store = options.store
    this.committer = options.committer
    this.logger = options.logger
    this.compactAfterRows = options.compactAfterRows ?? 500
    this.onIndexChange = options.onIndexChange
    this.onCompaction = options.onCompaction
    this.lifecycle = options.lifecycle
  }

  get size(): number {
    return this.rooms.size
  }

  get(docId: string): Room | undefined {
    return this.rooms.get(docId)
  }

  /** The loaded rooms of one world's elements. */
  roomsOfWorld(worldId: string): Room[] {
    return [...this.rooms.values()].filter((room) => room.worldId === worldId)
  }

  /**
   * Resolves with the element's room, with `socketId` already a member: adding the member in the
   * same tick as the load completes is what keeps an unload from slipping in between. `worldId`,
   * when the caller already read it (an access check), spares a load its element read: an
   * element never changes world, and the load still finds out when it no longer exists.
   */
  async join(docId: string, socketId: string, userId?: string, worldId?: string): Promise<Room> {
    const room = await this.acquire(docId, worldId)
    if (this.rooms.get(docId) === room) {
      room.addMember(socketId, userId)
      return room
    }
    // The room was closed between load and now (element deleted): start over.
    return this.join(docId, socketId, userId, worldId)
  }

  /** Removes a member; unloads the room when nobody is left. Returns the awareness removal frame. */
  leave(room: Room, socketId: string): Uint8Array | null {
    const removal = room.removeMember(socketId)
    this.unloadIfIdle(room)
    return removal
  }

  /**
   * Persists what a client update changed and resolves once it is durably committed. Failed writes
   * are retried (the caller acknowledges only after this resolves); the room stays loaded meanwhile.
   */
  persist(room: Room, applied: AppliedUpdate): Promise<void> {
    return this.persisting.track(this.write(room, applied))
  }

  private async write(room: Room, applied: AppliedUpdate): Promise<void> {
    const updates = [applied.pendingRaw, applied.effective].filter(
      (bytes): bytes is Uint8Array => bytes !== null,
    )
    // Nothing new (a resend, say): what it carried is in the doc, but the write that brought it
    // may still be in flight. Acknowledge only once that is settled.
    if (updates.length === 0) return room.whenWritten()
    const updatedAt = new Date().toISOString()
    // The room's writes may commit out of order (a failed append is retried on its own), and an
    // update builds on what the room held when it was applied: until those writes are stored too,
    // its row cannot be integrated from storage. So it is acknowledged only once every write in
    // flight before it has settled as well.
    const earlier = room.whenWritten()
    const appended = this.appendAll(room, updates, applied.fields, updatedAt)
    room.beginWrite(appended)
    try {
      await appended
    } finally {
      room.endWrite(appended)
    }
    await earlier
    this.lifecycle?.committed(room, updates)
    if (applied.fields) {
      this.onIndexChange?.({ id: room.docId, worldId: room.worldId, ...applied.fields, updatedAt })
    }
    if (room.rowsSinceSnapshot >= this.compactAfterRows) void this.compact(room)
    this.unloadIfIdle(room)
  }

  /** Appends the rows through the group commit, retrying until they are committed. */
  private async appendAll(
    room: Room,
    updates: readonly Uint8Array[],
    fields: AppliedUpdate['fields'],
    updatedAt: string,
  ): Promise<void> {
    const seqs = await Promise.all(
      updates.map((update, index) =>
        retryUntilCommitted(
          () =>
            this.committer.append({
              docId: room.docId,
              update,
              updatedAt,
              // The fields travel with the last row so the index moves with the content.
              ...(index === updates.length - 1 && fields ? { fields } : {}),
            }),
          { logger: this.logger, docId: room.docId, stopped: () => room.destroyed },
        ),
      ),
    )
    for (const seq of seqs) if (seq > room.committedSeq) room.committedSeq = seq
    room.rowsSinceSnapshot += updates.length
  }

  /** Drops a room whose element was deleted; returns the members' socket ids to notify. */
  evict(docId: string): void {
    const room = this.rooms.get(docId)
    if (!room) return
    this.rooms.delete(docId)
    room.destroy()
    this.releaseWorldId(room.worldId)
    this.lifecycle?.unloaded(docId)
  }

  /**
   * Waits for pending writes (retries included), compacts and unloads every room (graceful
   * shutdown). With storage down for good this waits for good: the caller's deadline decides.
   */
  async closeAll(): Promise<void> {
    this.shuttingDown = true
    await Promise.allSettled([...this.loading.values()])
    await this.persisting.whenIdle()
    await this.committer.flush()
    const rooms = [...this.rooms.values()]
    await Promise.all(rooms.map((room) => this.unload(room)))
    await Promise.all([...this.closing.values()])
  }

  private async acquire(docId: string, worldId?: string): Promise<Room> {
    const closing = this.closing.get(docId)
    if (closing) await closing
    const existing = this.rooms.get(docId)
    if (existing) return existing
    let pending = this.loading.get(docId)
    if (!pending) {
      pending = this.load(docId, worldId).finally(() => this.loading.delete(docId))
      this.loading.set(docId, pending)
    }
    return pending
  }

  private async load(docId: string, knownWorldId?: string): Promise<Room> {
    if (this.shuttingDown) throw new Error('the server is shutting down')
    try {
      await this.lifecycle?.beforeLoad(docId)
      const [worldId, stored] = await Promise.all([
        knownWorldId ?? this.store.getElement(docId).then((element) => element?.worldId),
        // Undefined when the element does not exist (any more).
        this.store.loadDocument(docId),
      ])
      if (!worldId || !stored) throw new ElementNotFoundError(`element ${docId} does not exist`)
      const room = new Room(docId, this.holdWorldId(worldId), stored)
      this.rooms.set(docId, room)
      this.lifecycle?.loaded(room)
      return room
    } catch (error) {
      this.lifecycle?.unloaded(docId)
      throw error
    }
  }

  /** The shared copy of `worldId`, counted once more. */
  private holdWorldId(worldId: string): string {
    let held = this.worldIds.get(worldId)
    if (!held) {
      held = { id: worldId, rooms: 0 }
      this.worldIds.set(worldId, held)
    }
    held.rooms++
    return held.id
  }

  /** Counts a room of `worldId` gone (every room the registry made is released exactly once). */
  private releaseWorldId(worldId: string): void {
    const held = this.worldIds.get(worldId)
    if (held && --held.rooms === 0) this.worldIds.delete(worldId)
  }

  private unloadIfIdle(room: Room): void {
    if (room.memberCount > 0 || room.pendingWrites > 0) return
    if (this.rooms.get(room.docId) !== room) return
    void this.unload(room)
  }

  private unload(room: Room): Promise<void> {
    this.rooms.delete(room.docId)
    const done = (async () => {
      try {
        if (room.rowsSinceSnapshot > 0) await this.compact(room)
      } finally {
        room.destroy()
        this.releaseWorldId(room.worldId)
        this.lifecycle?.unloaded(room.docId)
        this.closing.delete(room.docId)
      }
    })()
    this.closing.set(room.docId, done)
    return done
  }

  /**
   * Replaces the document's log with one snapshot encoded from the in-memory doc, which holds every
   * row up to `committedSeq`: rows committed later stay in the log. With several nodes, rows other
   * nodes committed may not have reached this doc yet, so it first catches up with storage and
   * snapshots through the highest seq it read instead. Failure only means the log stays longer;
   * nothing is lost, so it is logged and not retried here.
   */
  private async compact(room: Room): Promise<void> {
    if (room.compacting || room.destroyed) return
    room.compacting = true
    const rows = room.rowsSinceSnapshot
    try {
      const throughSeq = this.lifecycle ? await this.lifecycle.catchUp(room) : room.committedSeq
      if (throughSeq === undefined || room.destroyed) return
      const snapshot = room.encodeSnapshot()
      // Through the committer, so it never runs alongside an append for the same document.
      const bytesBefore = room.storedBytes
      await this.committer.exclusive(() =>
        this.store.compact({ docId: room.docId, snapshot, throughSeq }),
      )
      room.rowsSinceSnapshot = Math.max(0, room.rowsSinceSnapshot - rows)
      // The covered rows are gone; what was accepted since the snapshot was taken is still there.
      room.storedBytes = snapshot.byteLength + Math.max(0, room.storedBytes - bytesBefore)
      this.onCompaction?.('ok')
    } catch (error) {
      this.onCompaction?.('failed')
      this.logger.warn({ err: error, docId: room.docId }, 'compaction failed; the log is kept')
    } finally {
      room.compacting = false
    }
  }
}
