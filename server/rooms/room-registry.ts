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
}

export class RoomRegistry {
  private readonly rooms = new Map<string, Room>()
  private readonly loading = new Map<string, Promise<Room>>()
  private readonly closing = new Map<string, Promise<void>>()
  private readonly store: DocumentStore
  private readonly committer: GroupCommitter
  private readonly logger: Logger
  private readonly compactAfterRows: number
  private readonly onIndexChange: ((element: ElementSummary) => void) | undefined
  private shuttingDown = false

  constructor(options: RoomRegistryOptions) {
    this.store = options.store
    this.committer = options.committer
    this.logger = options.logger
    this.compactAfterRows = options.compactAfterRows ?? 500
    this.onIndexChange = options.onIndexChange
  }

  get size(): number {
    return this.rooms.size
  }

  get(docId: string): Room | undefined {
    return this.rooms.get(docId)
  }

  /**
   * Resolves with the element's room, with `socketId` already a member: adding the member in the
   * same tick as the load completes is what keeps an unload from slipping in between.
   */
  async join(docId: string, socketId: string): Promise<Room> {
    const room = await this.acquire(docId)
    if (this.rooms.get(docId) === room) {
      room.addMember(socketId)
      return room
    }
    // The room was closed between load and now (element deleted): start over.
    return this.join(docId, socketId)
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
  async persist(room: Room, applied: AppliedUpdate): Promise<void> {
    const updates = [applied.pendingRaw, applied.effective].filter(
      (bytes): bytes is Uint8Array => bytes !== null,
    )
    if (updates.length === 0) return
    room.beginWrite()
    try {
      const updatedAt = new Date().toISOString()
      const seqs = await Promise.all(
        updates.map((update, index) =>
          retryUntilCommitted(
            () =>
              this.committer.append({
                docId: room.docId,
                update,
                updatedAt,
                // The fields travel with the last row so the index moves with the content.
                ...(index === updates.length - 1 && applied.fields
                  ? { fields: applied.fields }
                  : {}),
              }),
            { logger: this.logger, docId: room.docId, stopped: () => room.doc.isDestroyed },
          ),
        ),
      )
      for (const seq of seqs) if (seq > room.committedSeq) room.committedSeq = seq
      room.rowsSinceSnapshot += updates.length
      if (applied.fields) {
        this.onIndexChange?.({
          id: room.docId,
          worldId: room.worldId,
          ...applied.fields,
          updatedAt,
        })
      }
    } finally {
      room.endWrite()
    }
    if (room.rowsSinceSnapshot >= this.compactAfterRows) void this.compact(room)
    this.unloadIfIdle(room)
  }

  /** Drops a room whose element was deleted; returns the members' socket ids to notify. */
  evict(docId: string): void {
    const room = this.rooms.get(docId)
    if (!room) return
    this.rooms.delete(docId)
    room.destroy()
  }

  /** Waits for pending writes, compacts and unloads every room (graceful shutdown). */
  async closeAll(): Promise<void> {
    this.shuttingDown = true
    await Promise.allSettled([...this.loading.values()])
    await this.committer.flush()
    const rooms = [...this.rooms.values()]
    await Promise.all(rooms.map((room) => this.unload(room)))
    await Promise.all([...this.closing.values()])
  }

  private async acquire(docId: string): Promise<Room> {
    const closing = this.closing.get(docId)
    if (closing) await closing
    const existing = this.rooms.get(docId)
    if (existing) return existing
    let pending = this.loading.get(docId)
    if (!pending) {
      pending = this.load(docId).finally(() => this.loading.delete(docId))
      this.loading.set(docId, pending)
    }
    return pending
  }

  private async load(docId: string): Promise<Room> {
    if (this.shuttingDown) throw new Error('the server is shutting down')
    const [element, stored] = await Promise.all([
      this.store.getElement(docId),
      this.store.loadDocument(docId),
    ])
    if (!element || !stored) throw new ElementNotFoundError(`element ${docId} does not exist`)
    const room = new Room(docId, element.worldId, stored)
    this.rooms.set(docId, room)
    return room
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
        this.closing.delete(room.docId)
      }
    })()
    this.closing.set(room.docId, done)
    return done
  }

  /**
   * Replaces the document's log with one snapshot encoded from the in-memory doc, which holds every
   * row up to `committedSeq`: rows committed later stay in the log. Failure only means the log stays
   * longer; nothing is lost, so it is logged and not retried here.
   */
  private async compact(room: Room): Promise<void> {
    if (room.compacting || room.doc.isDestroyed) return
    room.compacting = true
    const throughSeq = room.committedSeq
    const rows = room.rowsSinceSnapshot
    try {
      const snapshot = room.encodeSnapshot()
      await this.store.compact({ docId: room.docId, snapshot, throughSeq })
      room.rowsSinceSnapshot = Math.max(0, room.rowsSinceSnapshot - rows)
    } catch (error) {
      this.logger.warn({ err: error, docId: room.docId }, 'compaction failed; the log is kept')
    } finally {
      room.compacting = false
    }
  }
}
