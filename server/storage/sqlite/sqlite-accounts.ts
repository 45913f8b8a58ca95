/**
 * The accounts half of the SQLite store: users, sessions, memberships and invites, in the same
 * file as the documents (memberships reference worlds). Every statement is prepared with bound
 * parameters; no value ever becomes part of SQL text.
 */
import type Database from 'better-sqlite3'
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

interface UserRow {
  readonly id: string
  readonly username: string
  readonly username_key: string
  readonly password_hash: string
  readonly created_at: string
}

interface SessionRow {
  readonly id: string
  readonly user_id: string
  readonly refresh_generation: number
  readonly created_at: string
  readonly expires_at: string
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
  readonly created_at: string
  readonly role: string
}

interface InviteRow {
  readonly id: string
  readonly token_hash: string
  readonly world_id: string
  readonly role: string
  readonly created_by: string
  readonly created_at: string
  readonly expires_at: string
}

const USER_COLUMNS = 'id, username, username_key, password_hash, created_at'

const prepareStatements = (db: Database.Database) => ({
  insertUser: db.prepare<[string, string, string, string, string]>(
    `INSERT INTO users (${USER_COLUMNS}) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (username_key) DO NOTHING`,
  ),
  selectUser: db.prepare<[string], UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`),
  selectUserByName: db.prepare<[string], UserRow>(
    `SELECT ${USER_COLUMNS} FROM users WHERE username_key = ?`,
  ),

  insertSession: db.prepare<[string, string, number, string, string]>(
    `INSERT INTO sessions (id, user_id, refresh_generation, created_at, expires_at)
     VALUES (?, ?, ?, ?, ?)`,
  ),
  selectSession: db.prepare<[string], SessionRow>(
    `SELECT id, user_id, refresh_generation, created_at, expires_at FROM sessions WHERE id = ?`,
  ),
  advanceSession: db.prepare<[string, string, number, string]>(
    `UPDATE sessions SET refresh_generation = refresh_generation + 1, expires_at = ?
     WHERE id = ? AND refresh_generation = ? AND expires_at > ?`,
  ),
  deleteSession: db.prepare<[string]>('DELETE FROM sessions WHERE id = ?'),

  insertWorld: db.prepare<[string, string, string]>(
    'INSERT INTO worlds (id, name, created_at) VALUES (?, ?, ?)',
  ),
  selectWorldsOf: db.prepare<[string], MemberWorldRow>(
    `SELECT w.id, w.name, w.created_at, m.role
     FROM members m JOIN worlds w ON w.id = m.world_id
     WHERE m.user_id = ? ORDER BY w.created_at, w.id`,
  ),
  selectRole: db
    .prepare<[string, string], string>(
      'SELECT role FROM members WHERE world_id = ? AND user_id = ?',
    )
    .pluck(),
  selectElementAccess: db.prepare<[string, string], { world_id: string; role: string | null }>(
    `SELECT e.world_id, m.role
     FROM elements e LEFT JOIN members m ON m.world_id = e.world_id AND m.user_id = ?
     WHERE e.id = ?`,
  ),
  selectMembers: db.prepare<[string], MemberRow>(
    `SELECT m.world_id, m.user_id, u.username, m.role
     FROM members m JOIN users u ON u.id = m.user_id
     WHERE m.world_id = ? ORDER BY u.username_key`,
  ),
  insertMember: db.prepare<[string, string, string]>(
    `INSERT INTO members (world_id, user_id, role) VALUES (?, ?, ?)
     ON CONFLICT (world_id, user_id) DO NOTHING`,
  ),
  updateRole: db.prepare<[string, string, string]>(
    'UPDATE members SET role = ? WHERE world_id = ? AND user_id = ?',
  ),
  deleteMember: db.prepare<[string, string]>(
    'DELETE FROM members WHERE world_id = ? AND user_id = ?',
  ),
  countOwners: db
    .prepare<[string], number>("SELECT count(*) FROM members WHERE world_id = ? AND role = 'owner'")
    .pluck(),

  insertInvite: db.prepare<[string, string, string, string, string, string, string]>(
    `INSERT INTO invites (id, token_hash, world_id, role, created_by, created_at, expires_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  ),
  selectInvite: db.prepare<[string, string], InviteRow>(
    `SELECT id, token_hash, world_id, role, created_by, created_at, expires_at
     FROM invites WHERE token_hash = ? AND expires_at > ?`,
  ),
})

type Statements = ReturnType<typeof prepareStatements>

/** A role column holds only valid roles (CHECK constraint); anything else reads as the weakest. */
const roleOf = (value: string): Role => (isRole(value) ? value : 'viewer')

const toUser = (row: UserRow): UserRecord => ({
  id: row.id,
  username: row.username,
  usernameKey: row.username_key,
  passwordHash: row.password_hash,
  createdAt: row.created_at,
})

const toSession = (row: SessionRow): SessionRecord => ({
  id: row.id,
  userId: row.user_id,
  refreshGeneration: row.refresh_generation,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
})

const toInvite = (row: InviteRow): InviteRecord => ({
  id: row.id,
  tokenHash: row.token_hash,
  worldId: row.world_id,
  role: roleOf(row.role),
  createdBy: row.created_by,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
})

export class SqliteAccountStore implements AccountStore {
  private readonly accountSql: Statements
  private readonly createWorldWithOwnerTx: (world: WorldRecord, ownerId: string) => void
  private readonly changeMemberTx: (
    worldId: string,
    userId: string,
    role: Role | null,
  ) => MemberChange

  constructor(db: Database.Database) {
    const sql = prepareStatements(db)
    this.accountSql = sql
    this.createWorldWithOwnerTx = db.transaction((world: WorldRecord, ownerId: string) => {
      sql.insertWorld.run(world.id, world.name, world.createdAt)
      sql.insertMember.run(world.id, ownerId, 'owner')
    }).immediate
    // Role changes and removals check the owner count in the same transaction as the write, so
    // two owners demoting each other at once cannot leave the world without one.
    this.changeMemberTx = db.transaction(
      (worldId: string, userId: string, role: Role | null): MemberChange => {
        const current = sql.selectRole.get(worldId, userId)
        if (current === undefined) return 'not-member'
        if (current === 'owner' && role !== 'owner' && sql.countOwners.get(worldId) === 1) {
          return 'last-owner'
        }
        if (role === null) sql.deleteMember.run(worldId, userId)
        else sql.updateRole.run(role, worldId, userId)
        return 'changed'
      },
    ).immediate
  }

  async createUser(user: UserRecord): Promise<boolean> {
    const result = this.accountSql.insertUser.run(
      user.id,
      user.username,
      user.usernameKey,
      user.passwordHash,
      user.createdAt,
    )
    return result.changes > 0
  }

  async getUser(id: string): Promise<UserRecord | undefined> {
    const row = this.accountSql.selectUser.get(id)
    return row && toUser(row)
  }

  async getUserByName(usernameKey: string): Promise<UserRecord | undefined> {
    const row = this.accountSql.selectUserByName.get(usernameKey)
    return row && toUser(row)
  }

  async createSession(session: SessionRecord): Promise<void> {
    this.accountSql.insertSession.run(
      session.id,
      session.userId,
      session.refreshGeneration,
      session.createdAt,
      session.expiresAt,
    )
  }

  async getSession(id: string): Promise<SessionRecord | undefined> {
    const row = this.accountSql.selectSession.get(id)
    return row && toSession(row)
  }

  async consumeRefresh(id: string, from: number, now: string, expiresAt: string): Promise<boolean> {
    return this.accountSql.advanceSession.run(expiresAt, id, from, now).changes > 0
  }

  async deleteSession(id: string): Promise<void> {
    this.accountSql.deleteSession.run(id)
  }

  async createWorldWithOwner(world: WorldRecord, ownerId: string): Promise<void> {
    this.createWorldWithOwnerTx(world, ownerId)
  }

  async listWorldsOf(userId: string): Promise<MemberWorldRecord[]> {
    return this.accountSql.selectWorldsOf.all(userId).map((row) => ({
      id: row.id,
      name: row.name,
      createdAt: row.created_at,
      role: roleOf(row.role),
    }))
  }

  async getRole(worldId: string, userId: string): Promise<Role | undefined> {
    const role = this.accountSql.selectRole.get(worldId, userId)
    return role === undefined ? undefined : roleOf(role)
  }

  async getElementAccess(elementId: string, userId: string): Promise<ElementAccess | undefined> {
    const row = this.accountSql.selectElementAccess.get(userId, elementId)
    if (!row) return undefined
    return { worldId: row.world_id, role: row.role === null ? undefined : roleOf(row.role) }
  }

  async listMembers(worldId: string): Promise<MemberRecord[]> {
    return this.accountSql.selectMembers.all(worldId).map((row) => ({
      worldId: row.world_id,
      userId: row.user_id,
      username: row.username,
      role: roleOf(row.role),
    }))
  }

  async addMemberIfAbsent(worldId: string, userId: string, role: Role): Promise<boolean> {
    return this.accountSql.insertMember.run(worldId, userId, role).changes > 0
  }

  async changeRole(worldId: string, userId: string, role: Role): Promise<MemberChange> {
    return this.changeMemberTx(worldId, userId, role)
  }

  async removeMember(worldId: string, userId: string): Promise<MemberChange> {
    return this.changeMemberTx(worldId, userId, null)
  }

  async createInvite(invite: InviteRecord): Promise<void> {
    this.accountSql.insertInvite.run(
      invite.id,
      invite.tokenHash,
      invite.worldId,
      invite.role,
      invite.createdBy,
      invite.createdAt,
      invite.expiresAt,
    )
  }

  async getInvite(tokenHash: string, now: string): Promise<InviteRecord | undefined> {
    const row = this.accountSql.selectInvite.get(tokenHash, now)
    return row && toInvite(row)
  }
}
