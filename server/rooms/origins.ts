/**
 * Who caused a change to a room's Y.Doc. The origin decides who gets the update back (never its
 * sender) and whether it is persisted (only what clients send; loads from storage are not).
 */
export type UpdateOrigin =
  { readonly source: 'socket'; readonly socketId: string } | { readonly source: 'store' }

export const STORE_ORIGIN: UpdateOrigin = Object.freeze({ source: 'store' })

export const socketOrigin = (socketId: string): UpdateOrigin => ({ source: 'socket', socketId })
