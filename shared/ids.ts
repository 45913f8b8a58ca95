/**
 * Ids are issued by the server as lowercase RFC 4122 version 4 UUIDs. Every id that arrives in a
 * path or a message is checked against this shape before it reaches a store or a room, so nothing
 * that looks like a path, a query or a huge string ever travels further.
 */
const ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

export type Id = string

export const isId = (value: unknown): value is Id =>
  typeof value === 'string' && value.length === 36 && ID_PATTERN.test(value)
