/**
 * The backend event emitter of the brief: tells a world's subscribers when an element is created,
 * renamed (from any client or the API) or deleted.
 */
import type { ElementSummary } from '../../shared/api.ts'
import { worldRoom, type ElementDeleted } from '../../shared/protocol.ts'
import type { LoresyncServer } from './types.ts'

export interface WorldEvents {
  created(element: ElementSummary): void
  updated(element: ElementSummary): void
  deleted(element: ElementDeleted): void
}

export const createWorldEvents = (io: () => LoresyncServer | undefined): WorldEvents => ({
  created: (element) => io()?.to(worldRoom(element.worldId)).emit('element:created', element),
  updated: (element) => io()?.to(worldRoom(element.worldId)).emit('element:updated', element),
  deleted: (element) => io()?.to(worldRoom(element.worldId)).emit('element:deleted', element),
})
