/**
 * The wire contract between Loresync servers and clients (Socket.IO v4, default namespace).
 * Event names and payload types live here and nowhere else; the server uses these interfaces as
 * Socket.IO generics and the client uses them reversed. docs/protocol.md explains the order of
 * messages; this file is the source of truth for their shapes.
 *
 * Binary payloads are standard Yjs encodings: `Y.encodeStateVector`, `Y.encodeStateAsUpdate` (V1)
 * and y-protocols' `encodeAwarenessUpdate`.
 */
import type { ElementSummary } from './api.ts'
import type { Failure } from './errors.ts'
import type { Role } from './roles.ts'

export type { Role } from './roles.ts'

export interface JoinRequest {
  readonly docId: string
  /** The client's `Y.encodeStateVector(doc)`; an empty vector asks for the whole document. */
  readonly stateVector: Uint8Array
}

export interface JoinSuccess {
  readonly ok: true
  readonly role: Role
  /** What the client lacks, computed against its state vector. */
  readonly update: Uint8Array
  /** The server's state vector: the client answers with `doc:update` carrying what the server lacks. */
  readonly stateVector: Uint8Array
  /** Every awareness state currently known in the element's room. */
  readonly awareness: Uint8Array
}

export type JoinResult = JoinSuccess | Failure

export type AckResult = { readonly ok: true } | Failure

/**
 * One piece of an update too large for one message. Pieces of one transfer share `transferId`
 * (chosen by the client, unique per socket), arrive in order (`index` 0…total-1), and the last
 * piece's acknowledgement is the acknowledgement of the whole update (after it is committed).
 */
export interface UpdateChunk {
  readonly transferId: string
  readonly index: number
  readonly total: number
  readonly data: Uint8Array
}

export interface ElementDeleted {
  readonly id: string
  readonly worldId: string
}

/** Someone who has an element open, as the server knows them from their session. */
export interface PresentUser {
  readonly id: string
  readonly name: string
  readonly color: string
}

/** Who has one element open right now; `users` is empty once the last of them has left. */
export interface ElementPresence {
  readonly id: string
  readonly worldId: string
  readonly users: readonly PresentUser[]
}

export type WorldSubscribeResult =
  | {
      readonly ok: true
      readonly elements: readonly ElementSummary[]
      /** Elements of the world that somebody has open at subscription time. */
      readonly presence: readonly ElementPresence[]
    }
  | Failure

export interface ServerNotice {
  readonly reason: 'restarting'
  readonly message: string
}

export interface ClientToServerEvents {
  'doc:join': (request: JoinRequest, ack: (result: JoinResult) => void) => void
  'doc:update': (docId: string, update: Uint8Array, ack: (result: AckResult) => void) => void
  /**
   * An update and the awareness frame made with it, as one message (an edit and the caret that
   * moved with it). Acknowledged like `doc:update`; the awareness half is handled like
   * `awareness:update` whether or not the update is accepted.
   */
  'doc:change': (
    docId: string,
    update: Uint8Array,
    awareness: Uint8Array,
    ack: (result: AckResult) => void,
  ) => void
  'doc:update-chunk': (docId: string, chunk: UpdateChunk, ack: (result: AckResult) => void) => void
  'doc:leave': (docId: string) => void
  'awareness:update': (docId: string, update: Uint8Array) => void
  'world:subscribe': (worldId: string, ack: (result: WorldSubscribeResult) => void) => void
  'world:unsubscribe': (worldId: string) => void
}

export interface ServerToClientEvents {
  'doc:update': (docId: string, update: Uint8Array) => void
  /** Another client's update and the awareness frame that came with it. */
  'doc:change': (docId: string, update: Uint8Array, awareness: Uint8Array) => void
  'awareness:update': (docId: string, update: Uint8Array) => void
  'doc:error': (docId: string, error: Failure['error']) => void
  /** An owner changed this socket's role in place (promoted, or owner ↔ editor); still joined. */
  'doc:role': (docId: string, role: Role) => void
  'element:created': (element: ElementSummary) => void
  'element:updated': (element: ElementSummary) => void
  'element:deleted': (element: ElementDeleted) => void
  'element:presence': (presence: ElementPresence) => void
  'server:notice': (notice: ServerNotice) => void
}

/** Room names on the server; also the Redis-adapter channel keys when scaled out. */
export const docRoom = (docId: string): string => `doc:${docId}`
export const worldRoom = (worldId: string): string => `world:${worldId}`
