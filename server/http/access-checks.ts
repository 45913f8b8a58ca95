/**
 * The permission checks routes share. To someone who is not a member, a world or element that
 * exists and one that does not get the same answer (403 `forbidden`, one message), so ids cannot
 * be probed.
 */
import { canManageMembers, canWrite, type Role } from '../../shared/roles.ts'
import type { WorldAccess } from '../access/world-access.ts'
import type { Principal } from '../auth/auth-service.ts'
import { ApiError } from './api-error.ts'

export type Need = 'read' | 'write' | 'manage'

const allows = (role: Role, need: Need): boolean =>
  need === 'read' || (need === 'write' ? canWrite(role) : canManageMembers(role))

const denied = (need: Need, role: Role): ApiError =>
  new ApiError(
    need === 'write' ? 'read-only' : 'forbidden',
    need === 'write'
      ? `your role here is ${role}: ask an owner for editor access to make changes`
      : 'only owners can manage members and invites',
  )

/** The caller's role in the world, once it satisfies `need`. */
export const requireWorldRole = async (
  access: WorldAccess,
  principal: Principal,
  worldId: string,
  need: Need,
): Promise<Role> => {
  const role = await access.roleIn(worldId, principal.user.id)
  if (role === undefined) {
    throw new ApiError('forbidden', `world ${worldId} does not exist or you are not a member of it`)
  }
  if (!allows(role, need)) throw denied(need, role)
  return role
}

/** The element's world and the caller's role there, once it satisfies `need`. */
export const requireElementRole = async (
  access: WorldAccess,
  principal: Principal,
  elementId: string,
  need: Need,
): Promise<{ worldId: string; role: Role }> => {
  const found = await access.elementAccess(elementId, principal.user.id)
  if (found?.role === undefined) {
    throw new ApiError(
      'forbidden',
      `element ${elementId} does not exist or you are not a member of its world`,
    )
  }
  if (!allows(found.role, need)) throw denied(need, found.role)
  return { worldId: found.worldId, role: found.role }
}
