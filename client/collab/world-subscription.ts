/**
 * A live view of one world's element index: the full list on every (re)subscribe, then
 * `element:*` events (index changes and who has which element open). Re-subscribing after a reconnect replaces the list, so events missed while
 * offline can never leave it stale.
 */
import type { ElementSummary } from '../../shared/api.ts'
import type { ErrorPayload } from '../../shared/errors.ts'
import type { ElementDeleted, ElementPresence } from '../../shared/protocol.ts'

export interface WorldListener {
  /** The whole index and who has which element open, on every (re)subscribe. */
  reset(elements: readonly ElementSummary[], presence: readonly ElementPresence[]): void
  created(element: ElementSummary): void
  updated(element: ElementSummary): void
  deleted(element: ElementDeleted): void
  /** Who has one element open changed (an empty list: nobody any more). */
  presence?(presence: ElementPresence): void
  error?(error: ErrorPayload): void
}

export interface WorldSubscription {
  readonly worldId: string
  unsubscribe(): void
}
