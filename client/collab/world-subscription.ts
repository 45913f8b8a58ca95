/**
 * A live view of one world's element index: the full list on every (re)subscribe, then
 * `element:*` events. Re-subscribing after a reconnect replaces the list, so events missed while
 * offline can never leave it stale.
 */
import type { ElementSummary } from '../../shared/api.ts'
import type { ErrorPayload } from '../../shared/errors.ts'
import type { ElementDeleted } from '../../shared/protocol.ts'

export interface WorldListener {
  reset(elements: readonly ElementSummary[]): void
  created(element: ElementSummary): void
  updated(element: ElementSummary): void
  deleted(element: ElementDeleted): void
  error?(error: ErrorPayload): void
}

export interface WorldSubscription {
  readonly worldId: string
  unsubscribe(): void
}
