/**
 * The storage contract. SQLite (embedded default) and PostgreSQL (scale-out) both implement it with
 * the same semantics:
 *
 * - every element document is an append-only log of Yjs updates plus at most one compacted snapshot;
 * - `appendUpdates` commits a whole batch in one transaction (the group commit) and resolves only
 *   once it is durable: the caller acknowledges clients after that and not before;
 * - `compact` replaces the snapshot and deletes the log rows it covers in one transaction, so a
 *   crash at any point leaves either the old snapshot with its rows or the new one without them.
 *
 * A store never knows about sockets or rooms.
 */
import type { ElementFields } from '../../shared/element-doc.ts'

export interface WorldRecord {
  readonly id: string
  readonly name: string
  readonly createdAt: string
}

export interface ElementRecord extends ElementFields {
  readonly id: string
  readonly worldId: string
  readonly updatedAt: string
}

/** What a document is made of on disk: apply `snapshot` (if any), then `updates` in order. */
export interface StoredDocument {
  readonly snapshot: Uint8Array | null
  readonly updates: readonly Uint8Array[]
  /** The sequence number of the last update row, or of the snapshot when the log is empty; 0 if none. */
  readonly lastSeq: number
}

export interface AppendEntry {
  readonly docId: string
  readonly update: Uint8Array
  /** When the update changed the indexed fields, the new values are stored in the same transaction. */
  readonly fields?: ElementFields
  readonly updatedAt: string
}

export interface AppendResult {
  /** Sequence number of each entry's row, in the order given. */
  readonly seqs: readonly number[]
}

export interface CompactRequest {
  readonly docId: string
  /** Must contain every update in the log with seq ≤ `throughSeq` (the caller guarantees it). */
  readonly snapshot: Uint8Array
  readonly throughSeq: number
}

export interface StoreStats {
  readonly documents: number
  readonly updateRows: number
  readonly bytes: number
}

export interface DocumentStore {
  createWorld(world: WorldRecord): Promise<void>
  listWorlds(): Promise<WorldRecord[]>
  getWorld(id: string): Promise<WorldRecord | undefined>

  /** Stores the element row and its seed update in one transaction. */
  createElement(element: ElementRecord, seedUpdate: Uint8Array): Promise<void>
  listElements(worldId: string): Promise<ElementRecord[]>
  getElement(id: string): Promise<ElementRecord | undefined>
  /** Removes the element, its log and its snapshot. Resolves false when there was no such element. */
  deleteElement(id: string): Promise<boolean>

  /** Reads a document; resolves undefined when the element does not exist. */
  loadDocument(docId: string): Promise<StoredDocument | undefined>
  /**
   * Commits every entry in one transaction. Entries for a deleted element are dropped (the element
   * is gone, so there is nothing to keep), and their seq is 0.
   */
  appendUpdates(entries: readonly AppendEntry[]): Promise<AppendResult>
  compact(request: CompactRequest): Promise<void>
  /** Number of log rows for one document: what decides when to compact. */
  countUpdates(docId: string): Promise<number>

  /** A cheap write-and-read probe for `/readyz`. */
  checkWritable(): Promise<void>
  stats(): Promise<StoreStats>
  close(): Promise<void>
}
