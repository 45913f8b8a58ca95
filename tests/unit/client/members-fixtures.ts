/**
 * An in-memory stand-in for the member routes (server/http/member-routes.ts) with their rules and
 * messages: unknown usernames, existing members and the last owner are refused as the server
 * refuses them. Every call is recorded.
 */
import type { Invite, Member } from '../../../shared/api.ts'
import type { Role } from '../../../shared/roles.ts'
import { ApiError } from '../../../client/api/http.ts'
import type { MembersApi } from '../../../client/stores/members.ts'

export const WORLD = '6f1c2a4e-8b1d-4c3e-9f2a-1b2c3d4e5f60'

let counter = 0

export const member = (username: string, role: Role): Member => ({
  userId: `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`,
  username,
  color: '#4f46e5',
  role,
})

/** Accounts that do not exist on the fake server. */
const UNKNOWN = new Set(['nobody'])

const LAST_OWNER = 'a world needs an owner: make someone else owner first'

export const fakeMembersApi = (initial: readonly Member[]) => {
  let members = [...initial]
  const calls: string[] = []
  const find = (userId: string): Member => {
    const found = members.find((m) => m.userId === userId)
    if (!found) throw new ApiError('not-found', `user ${userId} is not a member`, 404)
    return found
  }
  const isLastOwner = (target: Member): boolean =>
    target.role === 'owner' && members.filter((m) => m.role === 'owner').length === 1

  const api: MembersApi = {
    async listMembers(worldId) {
      calls.push(`listMembers ${worldId}`)
      return [...members]
    },
    async addMember(_worldId, { username, role }) {
      calls.push(`addMember ${username} ${role}`)
      if (UNKNOWN.has(username)) {
        throw new ApiError('not-found', `there is no user named "${username}"`, 404)
      }
      if (members.some((m) => m.username.toLowerCase() === username.toLowerCase())) {
        throw new ApiError('conflict', `${username} is already a member: change their role`, 409)
      }
      const added = member(username, role)
      members = [...members, added]
      return added
    },
    async changeRole(_worldId, userId, role) {
      calls.push(`changeRole ${userId} ${role}`)
      const target = find(userId)
      if (role !== 'owner' && isLastOwner(target)) throw new ApiError('conflict', LAST_OWNER, 409)
      const changed = { ...target, role }
      members = members.map((m) => (m.userId === userId ? changed : m))
      return changed
    },
    async removeMember(_worldId, userId) {
      calls.push(`removeMember ${userId}`)
      if (isLastOwner(find(userId))) throw new ApiError('conflict', LAST_OWNER, 409)
      members = members.filter((m) => m.userId !== userId)
    },
    async createInvite(_worldId, role): Promise<Invite> {
      calls.push(`createInvite ${role}`)
      const token = 'AbCdEfGhIjKlMnOpQrStUvWxYz012345'
      return { token, url: `/invite/${token}`, role, expiresAt: '2030-01-08T00:00:00.000Z' }
    },
  }
  return { api, calls, members: () => members }
}
