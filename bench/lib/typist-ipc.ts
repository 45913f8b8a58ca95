/**
 * The IPC contract between the driver and T7's typist process (typist-child.ts): the driver sends
 * one command at a time and waits for its one reply. Only plain data crosses (advanced
 * serialization), so the child gets what it needs to connect, not a ServerHandle.
 */
import type { User } from '../../shared/api.ts'
import type { TypingLayout } from './typing.ts'

export interface TypistSetup {
  readonly url: string
  readonly token: string | null
  /** The account the token signs in as (ServerHandle.account). */
  readonly account: User | null
  /** Bench name → server document id, for every name of the layout. */
  readonly docIds: Readonly<Record<string, string>>
  readonly layout: TypingLayout
  /**
   * The seed of each typist's Prng, element by element and slot by slot within one (slots
   * 0..typistsPerElement-1): the driver forks them as the in-process workload does.
   */
  readonly seeds: readonly number[]
}

export type TypistCommand =
  | { readonly kind: 'open'; readonly setup: TypistSetup }
  | {
      readonly kind: 'type'
      readonly perTypist: number
      readonly ms: number
      readonly measure: boolean
    }
  /** Wait (up to `ms`) for every acknowledgement, then hand over the window's ack latencies. */
  | { readonly kind: 'drain'; readonly ms: number }

/** One edit, on the shared clock (`sharedNow`). */
export interface EditRecord {
  readonly element: number
  readonly clientId: number
  /** The typist's clock right after the edit. */
  readonly clock: number
  readonly sentAt: number
  readonly measured: boolean
}

export type TypistReply =
  /** Sent once, unprompted, when the child listens for commands. */
  | { readonly kind: 'ready' }
  /** The Yjs clientID of each typist, in the order of `seeds`. */
  | { readonly kind: 'opened'; readonly clientIds: readonly number[] }
  /** Every edit of the typing just done, sent once it is done (nothing crosses while typing). */
  | { readonly kind: 'typed'; readonly edits: readonly EditRecord[] }
  | { readonly kind: 'drained'; readonly ackLatencies: readonly number[] }
  | { readonly kind: 'failed'; readonly error: string }

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null

// Both ends are ours and the channel is private to them: checking the tag is enough.
export const isTypistCommand = (value: unknown): value is TypistCommand =>
  isObject(value) && (value.kind === 'open' || value.kind === 'type' || value.kind === 'drain')

export const isTypistReply = (value: unknown): value is TypistReply =>
  isObject(value) &&
  (value.kind === 'ready' ||
    value.kind === 'opened' ||
    value.kind === 'typed' ||
    value.kind === 'drained' ||
    value.kind === 'failed')
