/**
 * The accounts and permissions contract: users, login sessions, world memberships and invite
 * links. It is separate from DocumentStore so a store can implement documents first and accounts
 * later; SqliteStore implements both over the same file (memberships reference worlds).
 *
 * Semantics every implementation keeps:
 * - usernames are unique by `usernameKey` (the lower-cased name); `createUser` resolves false on a
 *   clash instead of throwing;
 * - `createWorldWithOwner` stores the world and its first owner in one transaction, so a world
 *   never exists without an owner;
 * - `consumeRefresh` is compare-and-swap on the session's refresh generation: of two concurrent
 *   refreshes with the same token, exactly one succeeds;
 * - invite tokens are stored only as a hash.
 */
import type { Role } from '../../shared/roles.ts'
import type { WorldRecord } from './store.ts'

export interface UserRecord {
  readonly id: string
  readonly username: string
  /** `username.toLowerCase()`: what uniqueness and lookups use. */
  readonly usernameKey: string
  /** `scrypt$…` as written by server/auth/passwords.ts. */
  readonly passwordHash: string
  readonly createdAt: string
}

export interface SessionRecord {
  readonly id: string
  readonly userId: string
  /** Bumped on every refresh; a refresh token carries the generation it was issued for. */
  readonly refreshGeneration: number
  readonly createdAt: string
  readonly expiresAt: string
}

export interface MemberRecord {
  readonly worldId: string
  readonly userId: string
  readonly username: string
  readonly role: Role
}

export interface MemberWorldRecord extends WorldRecord {
  readonly role: Role
}

export interface InviteRecord {
  readonly id: string
  /** SHA-256 of the token, hex. */
  readonly tokenHash: string
  readonly worldId: string
  readonly role: Role
  readonly createdBy: string
  readonly createdAt: string
  readonly expiresAt: string
}

/** Where an element lives and what the asking user may do there. */
export interface ElementAccess {
  readonly worldId: string
  /** Undefined when the user is not a member of the element's world. */
  readonly role: Role | undefined
}

export type MemberChange = 'changed' | 'not-member' | 'last-owner'

export interface AccountStore {
  createUser(user: UserRecord): Promise<boolean>
  getUser(id: string): Promise<UserRecord | undefined>
  getUserByName(usernameKey: string): Promise<UserRecord | undefined>

  createSession(session: SessionRecord): Promise<void>
  getSession(id: string): Promise<SessionRecord | undefined>
  /**
   * Moves the session from generation `from` to `from + 1` and extends it to `expiresAt`. Resolves
   * false when the session is gone, expired, or already past `from` (a replayed refresh token).
   */
  consumeRefresh(id: string, from: number, now: string, expiresAt: string): Promise<boolean>
  deleteSession(id: string): Promise<void>

  createWorldWithOwner(world: WorldRecord, ownerId: string): Promise<void>
  listWorldsOf(userId: string): Promise<MemberWorldRecord[]>
  getRole(worldId: string, userId: string): Promise<Role | undefined>
  /** Resolves undefined when the element does not exist. */
  getElementAccess(elementId: string, userId: string): Promise<ElementAccess | undefined>
  listMembers(worldId: string): Promise<MemberRecord[]>
  /** Adds the member only if they are not one yet; resolves true when added. */
  addMemberIfAbsent(worldId: string, userId: string, role: Role): Promise<boolean>
  /** Changes a member's role, refusing (in the same transaction) to leave the world ownerless. */
  changeRole(worldId: string, userId: string, role: Role): Promise<MemberChange>
  /** Removes a member, refusing (in the same transaction) to leave the world ownerless. */
  removeMember(worldId: string, userId: string): Promise<MemberChange>

  createInvite(invite: InviteRecord): Promise<void>
  /** Resolves the invite if it exists and has not expired at `now`. */
  getInvite(tokenHash: string, now: string): Promise<InviteRecord | undefined>
}

/** For a composition root handed only a DocumentStore: does it also keep accounts? */
export const isAccountStore = (store: object): store is AccountStore =>
  typeof (store as Partial<AccountStore>).getElementAccess === 'function' &&
  typeof (store as Partial<AccountStore>).createUser === 'function'
