/**
 * World members and invite links. Any member may see who else is in the world; only owners add,
 * change and remove members and create invites. Anyone may remove themselves (leave), except the
 * last owner.
 */
import type { FastifyInstance } from 'fastify'
import {
  addMemberBody,
  changeRoleBody,
  createInviteBody,
  type Invite,
  type InviteAccepted,
} from '../../shared/api.ts'
import type { WorldAccess } from '../access/world-access.ts'
import type { MemberChange } from '../storage/account-store.ts'
import { requireWorldRole } from './access-checks.ts'
import { ApiError } from './api-error.ts'
import type { RequirePrincipal } from './authenticate.ts'
import { idParam, parseBody } from './parse.ts'

export interface MemberRoutesOptions {
  readonly access: WorldAccess
  readonly requirePrincipal: RequirePrincipal
}

/** Invite tokens are 24 random bytes in base64url. */
const INVITE_TOKEN = /^[A-Za-z0-9_-]{32}$/

const checkChange = (result: MemberChange, userId: string): void => {
  if (result === 'not-member') {
    throw new ApiError('not-found', `user ${userId} is not a member of this world`)
  }
  if (result === 'last-owner') {
    throw new ApiError('conflict', 'a world needs an owner: make someone else owner first')
  }
}

export const registerMemberRoutes = (
  app: FastifyInstance,
  { access, requirePrincipal }: MemberRoutesOptions,
): void => {
  app.get('/api/worlds/:worldId/members', async (request) => {
    const principal = await requirePrincipal(request)
    const worldId = idParam(request.params, 'worldId')
    await requireWorldRole(access, principal, worldId, 'read')
    return access.listMembers(worldId)
  })

  app.post('/api/worlds/:worldId/members', async (request, reply) => {
    const principal = await requirePrincipal(request)
    const worldId = idParam(request.params, 'worldId')
    const body = parseBody(addMemberBody, request.body)
    await requireWorldRole(access, principal, worldId, 'manage')
    const result = await access.addMember(worldId, body.username, body.role)
    if (result === 'no-such-user') {
      throw new ApiError('not-found', `there is no user named "${body.username}"`)
    }
    if (result === 'already-member') {
      throw new ApiError('conflict', `${body.username} is already a member: change their role`)
    }
    const members = await access.listMembers(worldId)
    const added = members.find((m) => m.username.toLowerCase() === body.username.toLowerCase())
    return reply.code(201).send(added)
  })

  app.patch('/api/worlds/:worldId/members/:userId', async (request) => {
    const principal = await requirePrincipal(request)
    const worldId = idParam(request.params, 'worldId')
    const userId = idParam(request.params, 'userId')
    const body = parseBody(changeRoleBody, request.body)
    await requireWorldRole(access, principal, worldId, 'manage')
    checkChange(await access.changeRole(worldId, userId, body.role), userId)
    const members = await access.listMembers(worldId)
    return members.find((m) => m.userId === userId)
  })

  app.delete('/api/worlds/:worldId/members/:userId', async (request, reply) => {
    const principal = await requirePrincipal(request)
    const worldId = idParam(request.params, 'worldId')
    const userId = idParam(request.params, 'userId')
    await requireWorldRole(
      access,
      principal,
      worldId,
      userId === principal.user.id ? 'read' : 'manage',
    )
    checkChange(await access.removeMember(worldId, userId), userId)
    return reply.code(204).send()
  })

  app.post('/api/worlds/:worldId/invites', async (request, reply) => {
    const principal = await requirePrincipal(request)
    const worldId = idParam(request.params, 'worldId')
    const body = parseBody(createInviteBody, request.body)
    await requireWorldRole(access, principal, worldId, 'manage')
    const { token, invite } = await access.createInvite(worldId, principal.user.id, body.role)
    const answer: Invite = {
      token,
      url: `/invite/${token}`,
      role: invite.role,
      expiresAt: invite.expiresAt,
    }
    return reply.code(201).send(answer)
  })

  app.post('/api/invites/:token/accept', async (request) => {
    const principal = await requirePrincipal(request)
    const token = (request.params as Record<string, unknown>).token
    if (typeof token !== 'string' || !INVITE_TOKEN.test(token)) {
      throw new ApiError('invalid-request', 'this is not an invite link issued by Loresync')
    }
    const world = await access.acceptInvite(token, principal.user.id)
    if (!world) throw new ApiError('not-found', 'this invite link has expired or does not exist')
    const answer: InviteAccepted = { world }
    return answer
  })
}
