/**
 * World membership roles, strongest first. An owner manages members; owners and editors write;
 * a viewer reads and shows presence but every write is refused with `read-only`.
 */
export const ROLES = ['owner', 'editor', 'viewer'] as const

export type Role = (typeof ROLES)[number]

export const isRole = (value: unknown): value is Role =>
  typeof value === 'string' && (ROLES as readonly string[]).includes(value)

export const canWrite = (role: Role): boolean => role !== 'viewer'

export const canManageMembers = (role: Role): boolean => role === 'owner'
