/**
 * Who caused a change to a room's Y.Doc. The origin decides who gets the update back (never its
 * sender) and whether it is persisted (only what clients send; loads from storage are not) or
 * relayed to the other nodes (only what this node's clients send).
 */
export type UpdateOrigin =
  | { readonly source: 'socket'; readonly socketId: string }
  | { readonly source: 'store' }
  // Another node of the cluster applied it first: that node persists it and broadcasts it to
  // every client, so here it only keeps the in-memory copy current.
  | { readonly source: 'peer' }

export const STORE_ORIGIN: UpdateOrigin = Object.freeze({ source: 'store' })

export const PEER_ORIGIN: UpdateOrigin = Object.freeze({ source: 'peer' })

export const socketOrigin = (socketId: string): UpdateOrigin => ({ source: 'socket', socketId })
