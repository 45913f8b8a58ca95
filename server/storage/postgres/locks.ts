/**
 * Advisory lock spaces. PostgreSQL's two-key advisory locks (`pg_advisory_xact_lock(int, int)`)
 * take a space and a key; giving each purpose its own space keeps our locks from meeting each
 * other's, or another application's, on the same database. Keys are `hashtext(name)`: a collision
 * only makes two unrelated names wait for each other, never breaks correctness.
 */

/** Held while a schema is created or migrated; the key is the schema name. */
export const LOCK_SPACE_MIGRATIONS = 0x4c530001

/** Held while one document is compacted; the key is the document id. Taken with try: busy → skip. */
export const LOCK_SPACE_COMPACTION = 0x4c530002
