/**
 * Who may do what in which world. Worlds, memberships and invites live here; the HTTP routes and
 * the socket handlers ask the same questions of it, so both enforce one set of rules:
 *
 * - any member reads (worlds, elements, documents, presence, the member list);
 * - owners and editors write (documents, elements);
 * - owners manage members and invites; a world always keeps at least one owner;
 * - to a non-member, a world or element that exists looks exactly like one that does not.
 *
 * Every change of membership is reported through `onMembershipChanged`, which the realtime layer
 * uses to apply it to open sockets at once.
 *
 * Membership marks: when every change goes through this object (one process on its own SQLite
 * file), a read of someone's access stays true until a change is reported, so a caller that read
 * it at `membershipMark()` can skip a second read while `unchangedSince(mark)` holds (a socket
 * joining an element checks access before and after loading it; see doc-handlers.ts). With
 * PostgreSQL other nodes change memberships without telling this one: marks vouch for nothing and
 * every check reads.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import type { CreateWorldBody, Member, World } from '../../shared/api.ts'
import type { Role } from '../../shared/roles.ts'
import { colorForUser } from '../../shared/user-color.ts'
import type {
  AccountStore,
  ElementAccess,
  InviteRecord,
  MemberChange,
} from '../storage/account-store.ts'

/** How long an invite link can be used. */
export const INVITE_TTL_MS = 7 * 24 * 60 * 60 * 1000

export interface WorldAccessOptions {
  readonly accounts: AccountStore
  /** A member was added, changed role (role set) or removed (role undefined). */
  readonly onMembershipChanged?: (worldId: string, userId: string, role: Role | undefined) => void
  /**
   * True when no one else changes memberships in `accounts` (one process, its own SQLite file):
   * membership marks may then vouch for earlier reads. Default false, the safe answer.
   */
  readonly localMemberships?: boolean
}

export interface CreatedInvite {
  readonly token: string
  readonly invite: InviteRecord
}

export type AddMemberResult = 'added' | 'no-such-user' | 'already-member'

/** Invite tokens are kept only as a hash: a leaked database does not leak usable links. */
export const hashInviteToken = (token: string): string =>
  createHash('sha256').update(token).digest('hex')

export class WorldAccess {
  private readonly accounts: AccountStore
  private readonly localMemberships: boolean
  /** Membership changes made through this object so far: what a mark is. */
  private changes = 0

  constructor(private readonly options: WorldAccessOptions) {
    this.accounts = options.accounts
    this.localMemberships = options.localMemberships ?? false
  }

  /**
   * A mark to take (synchronously) before reading someone's access; null when memberships also
   * change elsewhere, so no mark can vouch for a read.
   */
  membershipMark(): number | null {
    return this.localMemberships ? this.changes : null
  }

  /**
   * True when no membership changed since `mark` was taken: a read begun after taking it is still
   * the truth. A change is counted in the same turn it is reported (after its write committed),
   * so a caller that acts on a true answer in the turn it asked either saw the change in its read
   * or is reported it after the act (the realtime layer then applies it to what was joined).
   */
  unchangedSince(mark: number | null): boolean {
    return mark !== null && this.localMemberships && mark === this.changes
  }

  /** Counts a committed membership change, then reports it. */
  private changed(worldId: string, userId: string, role: Role | undefined): void {
    this.changes++
    this.options.onMembershipChanged?.(worldId, userId, role)
  }

  async createWorld(ownerId: string, body: CreateWorldBody): Promise<World> {
    const record = { id: randomUUID(), name: body.name, createdAt: new Date().toISOString() }
    await this.accounts.createWorldWithOwner(record, ownerId)
    // A membership too (its owner), though of a world no one can have open yet.
    this.changes++
    return { ...record, role: 'owner' }
  }

  listWorlds(userId: string): Promise<World[]> {
    return this.accounts.listWorldsOf(userId)
  }

  /** The user's world with their role, or undefined when it does not exist or they are no member. */
  async getWorld(worldId: string, userId: string): Promise<World | undefined> {
    const worlds = await this.accounts.listWorldsOf(userId)
    return worlds.find((world) => world.id === worldId)
  }

  roleIn(worldId: string, userId: string): Promise<Role | undefined> {
    return this.accounts.getRole(worldId, userId)
  }

  /** Undefined when the element does not exist; `role` undefined when the user is no member. */
  elementAccess(elementId: string, userId: string): Promise<ElementAccess | undefined> {
    return this.accounts.getElementAccess(elementId, userId)
  }

  async listMembers(worldId: string): Promise<Member[]> {
    const members = await this.accounts.listMembers(worldId)
    return members.map(({ userId, username, role }) => ({
      userId,
      username,
      role,
      color: colorForUser(userId),
    }))
  }

  async addMember(worldId: string, username: string, role: Role): Promise<AddMemberResult> {
    const user = await this.accounts.getUserByName(username.toLowerCase())
    if (!user) return 'no-such-user'
    if (!(await this.accounts.addMemberIfAbsent(worldId, user.id, role))) return 'already-member'
    this.changed(worldId, user.id, role)
    return 'added'
  }

  async changeRole(worldId: string, userId: string, role: Role): Promise<MemberChange> {
    const result = await this.accounts.changeRole(worldId, userId, role)
    if (result === 'changed') this.changed(worldId, userId, role)
    return result
  }

  async removeMember(worldId: string, userId: string): Promise<MemberChange> {
    const result = await this.accounts.removeMember(worldId, userId)
    if (result === 'changed') this.changed(worldId, userId, undefined)
    return result
  }

  async createInvite(worldId: string, createdBy: string, role: Role): Promise<CreatedInvite> {
    const token = randomBytes(24).toString('base64url')
    const now = Date.now()
    const invite: InviteRecord = {
      id: randomUUID(),
      tokenHash: hashInviteToken(token),
      worldId,
      role,
      createdBy,
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + INVITE_TTL_MS).toISOString(),
    }
    await this.accounts.createInvite(invite)
    return { token, invite }
  }

  /**
   * Joins the user to the invite's world with the invite's role. Someone who is already a member
   * keeps the role they have: an invite never demotes. Undefined for an unknown or expired token.
   */
  async acceptInvite(token: string, userId: string): Promise<World | undefined> {
    const invite = await this.accounts.getInvite(hashInviteToken(token), new Date().toISOString())
    if (!invite) return undefined
    if (await this.accounts.addMemberIfAbsent(invite.worldId, userId, invite.role)) {
      this.changed(invite.worldId, userId, invite.role)
    }
    return this.getWorld(invite.worldId, userId)
  }
}
