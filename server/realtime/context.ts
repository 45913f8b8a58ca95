import type { Logger } from 'pino'
import type { RoomRegistry } from '../rooms/room-registry.ts'
import type { DocumentStore } from '../storage/store.ts'
import type { LoresyncServer } from './types.ts'

/** What the socket handlers need; wired once by the composition root. */
export interface RealtimeContext {
  readonly io: LoresyncServer
  readonly registry: RoomRegistry
  readonly store: DocumentStore
  readonly logger: Logger
}
