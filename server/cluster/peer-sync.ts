/**
 * Keeps this node's open rooms current with the edits applied on other nodes.
 *
 * Clients of one element may sit on different nodes. Every client update is applied on the node
 * its client is connected to, persisted there, and sent at once to that node's other clients.
 * Each open document has a peer channel; a node publishes there the rows it has committed and its
 * clients' presence changes, and applies what the others publish, with origin `peer`, forwarding
 * what was new to its own clients.
 *
 * Document updates reach a node's clients only through that node's room, never straight through
 * the Socket.IO adapter: a node refuses a client update that builds on structs it does not hold
 * (rooms/update-dependencies.ts), so a client must never see an edit before its own node has it.
 * The cost is that an edit reaches clients on other nodes after its commit, not when applied.
 *
 * Invariant: a room holds only what storage holds, plus this node's own writes in flight. That
 * is why rows travel after their commit, not when applied: were a node to die between applying
 * and committing, a peer holding the update in memory would answer a reconnecting client's
 * handshake with "I have it", and nobody would ever store it. Clients keep the single-node rule:
 * what they hold that the server lacks, they send on (re)join, and it is stored then.
 *
 * The channel is lossy (Redis pub/sub), so completeness never rests on it:
 * - a node subscribes before it loads a document from storage, buffering what arrives meanwhile:
 *   a row committed before the read is in storage, one committed after is published after;
 * - after a Redis interruption, and whenever an update arrives whose dependencies are missing, the
 *   node re-reads the document from storage and forwards what was new to its own clients;
 * - compaction first catches the room up with storage (`catchUp`) and snapshots through the
 *   highest seq it read, so a snapshot never claims rows its room has not applied.
 */
import type { Logger } from 'pino'
import * as Y from 'yjs'
import { applyAwarenessUpdate, encodeAwarenessUpdate } from 'y-protocols/awareness'
import type { Room } from '../rooms/room.ts'
import { PEER_ORIGIN, STORE_ORIGIN, type UpdateOrigin } from '../rooms/origins.ts'
import type { RoomLifecycle } from '../rooms/room-registry.ts'
import type { DocumentStore } from '../storage/store.ts'
import { decodePeerFrame, encodePeerFrame, type PeerMessage } from './peer-frames.ts'

/** A per-document broadcast channel between nodes (Redis pub/sub in production). */
export interface PeerTransport {
  /** Delivers every frame published for `docId` from now on; resolves once that holds. */
  subscribe(docId: string, onFrame: (frame: Uint8Array) => void): Promise<void>
  unsubscribe(docId: string): Promise<void>
  publish(docId: string, frame: Uint8Array): Promise<void>
}

/** The clients in a document's room. */
export interface RoomClients {
  /** This node's own clients only: the other nodes forward to theirs. */
  updateLocal(docId: string, update: Uint8Array): void
}

export interface PeerSyncOptions {
  readonly nodeId: string
  readonly transport: PeerTransport
  readonly store: DocumentStore
  readonly clients: RoomClients
  readonly logger: Logger
}

/** How often a document with missing dependencies may be re-read from storage. */
const GAP_RESYNC_INTERVAL_MS = 1000

/** Frames kept for a document still loading; past this, it is re-read from storage instead. */
const MAX_BUFFERED_FRAMES = 1000

interface OpenDocument {
  room: Room | undefined
  buffered: Uint8Array[] | null
  detach: (() => void) | undefined
  resyncing: Promise<void> | undefined
  resyncAgain: boolean
  gapResyncAt: number
}

const isSocketOrigin = (origin: unknown): boolean =>
  typeof origin === 'object' && origin !== null && (origin as UpdateOrigin).source === 'socket'

export class PeerSync implements RoomLifecycle {
  private readonly nodeId: string
  private readonly transport: PeerTransport
  private readonly store: DocumentStore
  private readonly clients: RoomClients
  private readonly logger: Logger
  private readonly documents = new Map<string, OpenDocument>()
  private readonly gapTimer: ReturnType<typeof setInterval>

  constructor(options: PeerSyncOptions) {
    this.nodeId = options.nodeId
    this.transport = options.transport
    this.store = options.store
    this.clients = options.clients
    this.logger = options.logger.child({ component: 'peer-sync' })
    // A room blocked by a frame whose predecessor was lost may get no further frame that would
    // notice: look for blocked rooms on a timer too.
    this.gapTimer = setInterval(() => this.repairGaps(), GAP_RESYNC_INTERVAL_MS)
    this.gapTimer.unref()
  }

  /** Stops the gap timer; subscriptions end with the rooms (or with the Redis connection). */
  close(): void {
    clearInterval(this.gapTimer)
  }

  get openDocuments(): number {
    return this.documents.size
  }

  async beforeLoad(docId: string): Promise<void> {
    this.documents.set(docId, {
      room: undefined,
      buffered: [],
      detach: undefined,
      resyncing: undefined,
      resyncAgain: false,
      gapResyncAt: 0,
    })
    await this.transport.subscribe(docId, (frame) => this.receive(docId, frame))
  }

  loaded(room: Room): void {
    const open = this.documents.get(room.docId)
    if (!open) return
    open.room = room
    open.detach = this.relayPresence(room)
    const buffered = open.buffered
    open.buffered = null
    if (buffered === null) {
      // Too much arrived while loading and some was dropped: storage has all of it by now.
      void this.resync(room.docId)
    } else {
      for (const frame of buffered) this.receive(room.docId, frame)
    }
    this.publish(room.docId, { kind: 'presence-request' })
  }

  /** Rows this node has just committed for the room: the other nodes apply them. */
  committed(room: Room, updates: readonly Uint8Array[]): void {
    if (!this.documents.has(room.docId)) return
    const update = updates.length === 1 ? updates[0]! : Y.mergeUpdates([...updates])
    this.publish(room.docId, { kind: 'update', update })
  }

  unloaded(docId: string): void {
    const open = this.documents.get(docId)
    if (!open) return
    this.documents.delete(docId)
    open.detach?.()
    this.transport.unsubscribe(docId).catch((error: unknown) => {
      this.logger.warn({ err: error, docId }, 'peer channel unsubscribe failed')
    })
  }

  /**
   * Applies every row storage holds for the room's document and resolves with the highest seq
   * read, which the room now contains; undefined when the element no longer exists.
   */
  async catchUp(room: Room): Promise<number | undefined> {
    const stored = await this.store.loadDocument(room.docId)
    if (!stored || room.destroyed) return undefined
    const news: Uint8Array[] = []
    for (const update of [stored.snapshot, ...stored.updates]) {
      if (update === null) continue
      const effective = room.applyRemoteUpdate(update, STORE_ORIGIN)
      if (effective) news.push(effective)
    }
    if (news.length > 0) this.clients.updateLocal(room.docId, Y.mergeUpdates(news))
    return stored.lastSeq
  }

  /** After an interruption of the peer channel: re-read every open document from storage. */
  resyncAll(): Promise<void> {
    return Promise.all([...this.documents.keys()].map((docId) => this.resync(docId))).then(
      () => undefined,
    )
  }

  /** One resync per document at a time; a request arriving meanwhile runs once more after it. */
  private resync(docId: string): Promise<void> {
    const open = this.documents.get(docId)
    if (!open?.room) return Promise.resolve()
    if (open.resyncing) {
      open.resyncAgain = true
      return open.resyncing
    }
    const room = open.room
    const run = async (): Promise<void> => {
      do {
        open.resyncAgain = false
        try {
          await this.catchUp(room)
        } catch (error) {
          this.logger.warn({ err: error, docId }, 'resync from storage failed')
        }
      } while (open.resyncAgain && !room.destroyed)
    }
    open.resyncing = run().finally(() => {
      open.resyncing = undefined
    })
    return open.resyncing
  }

  /** Publishes the presence changes of this node's clients; returns the function that stops it. */
  private relayPresence(room: Room): () => void {
    const onAwareness = (
      { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
      origin: unknown,
    ): void => {
      if (!isSocketOrigin(origin)) return
      const update = encodeAwarenessUpdate(room.awareness, [...added, ...updated, ...removed])
      this.publish(room.docId, { kind: 'awareness', update })
    }
    room.awareness.on('update', onAwareness)
    return () => room.awareness.off('update', onAwareness)
  }

  private receive(docId: string, bytes: Uint8Array): void {
    const open = this.documents.get(docId)
    if (!open) return
    if (!open.room) {
      if (open.buffered && open.buffered.length < MAX_BUFFERED_FRAMES) open.buffered.push(bytes)
      else open.buffered = null
      return
    }
    const room = open.room
    if (room.destroyed) return
    try {
      const frame = decodePeerFrame(bytes)
      if (frame.nodeId === this.nodeId) return
      this.apply(open, room, frame.message)
    } catch (error) {
      // A bad frame from a peer must not stop the others; the next resync repairs any gap.
      this.logger.error({ err: error, docId }, 'peer frame refused')
    }
  }

  private apply(open: OpenDocument, room: Room, message: PeerMessage): void {
    switch (message.kind) {
      case 'update': {
        // Empty while the update waits for a row this node has not seen (a lost frame): it goes
        // out with that row, after the gap repair below.
        const effective = room.applyRemoteUpdate(message.update, PEER_ORIGIN)
        if (effective) this.clients.updateLocal(room.docId, effective)
        break
      }
      case 'awareness':
        applyAwarenessUpdate(room.awareness, message.update, PEER_ORIGIN)
        break
      case 'presence-request':
        if (room.awareness.getStates().size > 0) {
          this.publish(room.docId, { kind: 'awareness', update: room.encodeAwareness() })
        }
        break
    }
    // Something arrived before what it builds on (a frame was lost): fetch the gap.
    this.repairGap(open, room)
  }

  private repairGaps(): void {
    for (const open of this.documents.values()) if (open.room) this.repairGap(open, open.room)
  }

  /**
   * Re-reads a blocked room from storage, at most once a second: a gap that storage cannot fill
   * yet (the row is still in flight on another node) lasts a while.
   */
  private repairGap(open: OpenDocument, room: Room): void {
    if (!room.missingDependencies || room.destroyed) return
    if (Date.now() - open.gapResyncAt < GAP_RESYNC_INTERVAL_MS) return
    open.gapResyncAt = Date.now()
    void this.resync(room.docId)
  }

  private publish(docId: string, message: PeerMessage): void {
    const frame = encodePeerFrame({ nodeId: this.nodeId, message })
    this.transport.publish(docId, frame).catch((error: unknown) => {
      // Peers catch up from storage when they notice a gap; no acknowledgement depends on this.
      this.logger.warn({ err: error, docId, kind: message.kind }, 'peer publish failed')
    })
  }
}
