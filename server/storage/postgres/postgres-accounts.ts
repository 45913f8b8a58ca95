/**
 * The accounts half of the PostgreSQL store: users, sessions, memberships and invites, in the same
 * schema as the documents (memberships reference worlds), with the semantics of
 * `SqliteAccountStore` (see account-store.ts). Every value travels as a bound parameter.
 *
 * SQLite serialises writers on the file; PostgreSQL does not, so the two read-then-write
 * operations take a row lock first:
 * - a role change or removal locks the world's row (`FOR NO KEY UPDATE`: it serialises membership
 *   changes of that world across nodes without blocking foreign key checks of new elements), so
 *   two owners demoting each other on two nodes cannot leave the world ownerless;
 * - a refresh is one conditional UPDATE: the second of two concurrent ones waits on the row lock,
 *   re-reads the row, no longer matches the generation, and changes nothing.
 */
import type { Pool } from 'pg'
import { isRole, type Role } from '../../../shared/roles.ts'
import type {
  AccountStore,
  ElementAccess,
  InviteRecord,
  MemberChange,
  MemberRecord,
  MemberWorldRecord,
  SessionRecord,
  UserRecord,
} from '../account-store.ts'
import type { WorldRecord } from '../store.ts'
import { inTransaction } from './transaction.ts'

interface UserRow {
  readonly id: string
  readonly username: string
  readonly username_key: string
  readonly password_hash: string
  readonly created_at: Date
}

interface SessionRow {
  readonly id: string
  readonly user_id: string
  readonly refresh_generation: number
  readonly created_at: Date
  readonly expires_at: Date
}

interface MemberRow {
  readonly world_id: string
  readonly user_id: string
  readonly username: string
  readonly role: string
}

interface MemberWorldRow {
  readonly id: string
  readonly name: string
  readonly created_at: Date
  readonly role: string
}

interface InviteRow {
  readonly id: string
  readonly token_hash: string
  readonly world_id: string
  readonly role: string
  readonly created_by: string
  readonly created_at: Date
  readonly expires_at: Date
}

const USER_COLUMNS = 'id, username, username_key, password_hash, created_at'
const SESSION_COLUMNS = 'id, user_id, refresh_generation, created_at, expires_at'
const INVITE_COLUMNS = 'id, token_hash, world_id, role, created_by, created_at, expires_at'

/** A role column holds only valid roles (CHECK constraint); anything else reads as the weakest. */
const roleOf = (value: string): Role => (isRole(value) ? value : 'viewer')

const toUser = (row: UserRow): UserRecord => ({
  id: row.id,
  username: row.username,
  usernameKey: row.username_key,
  passwordHash: row.password_hash,
  createdAt: row.created_at.toISOString(),
})

const toSession = (row: SessionRow): SessionRecord => ({
  id: row.id,
  userId: row.user_id,
  refreshGeneration: row.refresh_generation,
  createdAt: row.created_at.toISOString(),
  expiresAt: row.expires_at.toISOString(),
})

const toInvite = (row: InviteRow): InviteRecord => ({
  id: row.id,
  tokenHash: row.token_hash,
  worldId: row.world_id,
  role: roleOf(row.role),
  createdBy: row.created_by,
  createdAt: row.created_at.toISOString(),
  expiresAt: row.expires_at.toISOString(),
})

export class PostgresAccountStore implements AccountStore {
  constructor(private readonly accountPool: Pool) {}

  async createUser(user: UserRecord): Promise<boolean> {
    const result = await this.accountPool.query(
      `INSERT INTO users (${USER_COLUMNS}) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (username_key) DO NOTHING`,
      [user.id, user.username, user.usernameKey, user.passwordHash, user.createdAt],
    )
    return (result.rowCount ?? 0) > 0
  }

  async getUser(id: string): Promise<UserRecord | undefined> {
    const result = await this.accountPool.query<UserRow>(
      `SELECT ${USER_COLUMNS} FROM users WHERE id = $1`,
      [id],
    )
    const row = result.rows[0]
    return row && toUser(row)
  }

  async getUserByName(usernameKey: string): Promise<UserRecord | undefined> {
    const result = await this.accountPool.query<UserRow>(
      `SELECT ${USER_COLUMNS} FROM users WHERE username_key = $1`,
      [usernameKey],
    )
    const row = result.rows[0]
    return row && toUser(row)
  }

  async createSession(session: SessionRecord): Promise<void> {
    await this.accountPool.query(
      `INSERT INTO sessions (${SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5)`,
      [session.id, session.userId, session.refreshGeneration, session.createdAt, session.expiresAt],
    )
  }

  async getSession(id: string): Promise<SessionRecord | undefined> {
    const result = await this.accountPool.query<SessionRow>(
      `SELECT ${SESSION_COLUMNS} FROM sessions WHERE id = $1`,
      [id],
    )
    const row = result.rows[0]
    return row && toSession(row)
  }

  async consumeRefresh(id: string, from: number, now: string, expiresAt: string): Promise<boolean> {
    const result = await this.accountPool.query(
      `UPDATE sessions SET refresh_generation = refresh_generation + 1, expires_at = $1
       WHERE id = $2 AND refresh_generation = $3 AND expires_at > $4`,
      [expiresAt, id, from, now],
    )
    return (result.rowCount ?? 0) > 0
  }

  async deleteSession(id: string): Promise<void> {
    await this.accountPool.query('DELETE FROM sessions WHERE id = $1', [id])
  }

  async createWorldWithOwner(world: WorldRecord, ownerId: string): Promise<void> {
    await inTransaction(this.accountPool, async (client) => {
      await client.query('INSERT INTO worlds (id, name, created_at) VALUES ($1, $2, $3)', [
        world.id,
        world.name,
        world.createdAt,
      ])
      await client.query(`INSERT INTO members (world_id, user_id, role) VALUES ($1, $2, 'owner')`, [
        world.id,
        ownerId,
      ])
    })
  }

  async listWorldsOf(userId: string): Promise<MemberWorldRecord[]> {
    const result = await this.accountPool.query<MemberWorldRow>(
      `SELECT w.id, w.name, w.created_at, m.role
       FROM members m JOIN worlds w ON w.id = m.world_id
       WHERE m.user_id = $1 ORDER BY w.created_at, w.id`,
      [userId],
    )
    return result.rows.map((row) => ({
      id: row.id,
      name: row.name,
      createdAt: row.created_at.toISOString(),
      role: roleOf(row.role),
    }))
  }

  async getRole(worldId: string, userId: string): Promise<Role | undefined> {
    const result = await this.accountPool.query<{ role: string }>(
      'SELECT role FROM members WHERE world_id = $1 AND user_id = $2',
      [worldId, userId],
    )
    const row = result.rows[0]
    return row && roleOf(row.role)
  }

  async getElementAccess(elementId: string, userId: string): Promise<ElementAccess | undefined> {
    const result = await this.accountPool.query<{ world_id: string; role: string | null }>(
      `SELECT e.world_id, m.role
       FROM elements e LEFT JOIN members m ON m.world_id = e.world_id AND m.user_id = $1
       WHERE e.id = $2`,
      [userId, elementId],
    )
    const row = result.rows[0]
    if (!row) return undefined
    return { worldId: row.world_id, role: row.role === null ? undefined : roleOf(row.role) }
  }

  async listMembers(worldId: string): Promise<MemberRecord[]> {
    // COLLATE "C": code-point order whatever the database's locale, as SQLite sorts.
    const result = await this.accountPool.query<MemberRow>(
      `SELECT m.world_id, m.user_id, u.username, m.role
       FROM members m JOIN users u ON u.id = m.user_id
       WHERE m.world_id = $1 ORDER BY u.username_key COLLATE "C"`,
      [worldId],
    )
    return result.rows.map((row) => ({
      worldId: row.world_id,
      userId: row.user_id,
      username: row.username,
      role: roleOf(row.role),
    }))
  }

  async addMemberIfAbsent(worldId: string, userId: string, role: Role): Promise<boolean> {
    const result = await this.accountPool.query(
      `INSERT INTO members (world_id, user_id, role) VALUES ($1, $2, $3)
       ON CONFLICT (world_id, user_id) DO NOTHING`,
      [worldId, userId, role],
    )
    return (result.rowCount ?? 0) > 0
  }

  changeRole(worldId: string, userId: string, role: Role): Promise<MemberChange> {
    return this.changeMember(worldId, userId, role)
  }

  removeMember(worldId: string, userId: string): Promise<MemberChange> {
    return this.changeMember(worldId, userId, null)
  }

  async createInvite(invite: InviteRecord): Promise<void> {
    await this.accountPool.query(
      `INSERT INTO invites (${INVITE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        invite.id,
        invite.tokenHash,
        invite.worldId,
        invite.role,
        invite.createdBy,
        invite.createdAt,
        invite.expiresAt,
      ],
    )
  }

  async getInvite(tokenHash: string, now: string): Promise<InviteRecord | undefined> {
    const result = await this.accountPool.query<InviteRow>(
      `SELECT ${INVITE_COLUMNS} FROM invites WHERE token_hash = $1 AND expires_at > $2`,
      [tokenHash, now],
    )
    const row = result.rows[0]
    return row && toInvite(row)
  }

  /** A role change (`role`) or removal (`null`) that never leaves the world without an owner. */
  private changeMember(worldId: string, userId: string, role: Role | null): Promise<MemberChange> {
    return inTransaction(this.accountPool, async (client): Promise<MemberChange> => {
      // Every statement below runs after the lock, so it sees the other changes committed.
      await client.query('SELECT 1 FROM worlds WHERE id = $1 FOR NO KEY UPDATE', [worldId])
      const current = (
        await client.query<{ role: string }>(
          'SELECT role FROM members WHERE world_id = $1 AND user_id = $2',
          [worldId, userId],
        )
      ).rows[0]?.role
      if (current === undefined) return 'not-member'
      if (current === 'owner' && role !== 'owner') {
        const owners = await client.query<{ count: number }>(
          `SELECT count(*)::integer AS count FROM members WHERE world_id = $1 AND role = 'owner'`,
          [worldId],
        )
        if (owners.rows[0]?.count === 1) return 'last-owner'
      }
      if (role === null) {
        await client.query('DELETE FROM members WHERE world_id = $1 AND user_id = $2', [
          worldId,
          userId,
        ])
      } else {
        await client.query('UPDATE members SET role = $1 WHERE world_id = $2 AND user_id = $3', [
          role,
          worldId,
          userId,
        ])
      }
      return 'changed'
    })
  }
}
