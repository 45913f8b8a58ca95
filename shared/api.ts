/**
 * HTTP resource shapes and request validation, shared so the web app can validate a form with the
 * very schema the server enforces.
 */
import { z } from 'zod'
import { ELEMENT_KINDS, type ElementKind } from './element-kinds.ts'
import type { ErrorPayload } from './errors.ts'
import {
  MAX_ELEMENT_NAME_LENGTH,
  MAX_PASSWORD_LENGTH,
  MAX_SUMMARY_LENGTH,
  MAX_USERNAME_LENGTH,
  MAX_WORLD_NAME_LENGTH,
  MIN_PASSWORD_LENGTH,
  MIN_USERNAME_LENGTH,
} from './limits.ts'
import { ROLES, type Role } from './roles.ts'

/** Trimmed, non-empty, bounded, and free of control characters (they have no place in a name). */
const displayText = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    // eslint-disable-next-line no-control-regex
    .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'must not contain control characters')

export const createWorldBody = z.strictObject({ name: displayText(MAX_WORLD_NAME_LENGTH) })
export type CreateWorldBody = z.infer<typeof createWorldBody>

export const createElementBody = z.strictObject({
  kind: z.enum(ELEMENT_KINDS),
  name: displayText(MAX_ELEMENT_NAME_LENGTH),
  summary: z.string().max(MAX_SUMMARY_LENGTH).optional(),
})
export type CreateElementBody = z.infer<typeof createElementBody>

export interface World {
  readonly id: string
  readonly name: string
  readonly createdAt: string
  /** The signed-in user's role in this world. */
  readonly role: Role
}

/** One row of a world's element index; kept current from the documents themselves. */
export interface ElementSummary {
  readonly id: string
  readonly worldId: string
  readonly kind: ElementKind
  readonly name: string
  readonly summary: string
  readonly updatedAt: string
}

/** ProseMirror's JSON node shape, as produced from the `body` fragment. */
export interface ProseMirrorJSON {
  readonly type: string
  readonly attrs?: Readonly<Record<string, unknown>>
  readonly content?: readonly ProseMirrorJSON[]
  readonly marks?: readonly { readonly type: string; readonly attrs?: Record<string, unknown> }[]
  readonly text?: string
}

export interface ElementDetail extends ElementSummary {
  readonly fields: { readonly kind: ElementKind; readonly name: string; readonly summary: string }
  readonly attributes: Readonly<Record<string, string>>
  readonly tags: readonly string[]
  readonly body: ProseMirrorJSON
}

export interface ErrorBody {
  readonly error: ErrorPayload
}

/**
 * Usernames are how people find each other (invites by name), so they are plain: letters, digits,
 * `.`, `_` and `-`. They are unique regardless of case.
 */
export const username = z
  .string()
  .trim()
  .min(MIN_USERNAME_LENGTH, `must be at least ${MIN_USERNAME_LENGTH} characters`)
  .max(MAX_USERNAME_LENGTH, `must be at most ${MAX_USERNAME_LENGTH} characters`)
  .regex(/^[A-Za-z0-9._-]+$/, 'may contain only letters, digits, ".", "_" and "-"')

/** Not trimmed: a password is whatever the person typed. */
const password = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(MAX_PASSWORD_LENGTH, `must be at most ${MAX_PASSWORD_LENGTH} characters`)

export const credentialsBody = z.strictObject({ username, password })
export type CredentialsBody = z.infer<typeof credentialsBody>

/** API clients send the refresh token in the body; browsers send nothing (it is in a cookie). */
export const refreshBody = z
  .strictObject({ refreshToken: z.string().max(4096).optional() })
  .optional()

export const role = z.enum(ROLES)

export const addMemberBody = z.strictObject({ username, role })
export type AddMemberBody = z.infer<typeof addMemberBody>

export const changeRoleBody = z.strictObject({ role })
export type ChangeRoleBody = z.infer<typeof changeRoleBody>

export const createInviteBody = z.strictObject({ role })
export type CreateInviteBody = z.infer<typeof createInviteBody>

export interface User {
  readonly id: string
  readonly username: string
  /** A CSS colour derived from the id: the user's caret and avatar everywhere. */
  readonly color: string
}

/** The signed-in user and when their access token (or cookie) expires. */
export interface SessionInfo {
  readonly user: User
  readonly expiresAt: string
}

/**
 * What register, login and a refresh with a body token answer. Browsers also receive both tokens
 * as HttpOnly cookies; a refresh made with the cookie answers only SessionInfo.
 */
export interface AuthSession extends SessionInfo {
  /** Short-lived access token: `Authorization: Bearer …` or Socket.IO `auth: {token}`. */
  readonly token: string
  /** Single-use: trade it at `POST /api/auth/refresh` for a new pair before `refreshExpiresAt`. */
  readonly refreshToken: string
  readonly refreshExpiresAt: string
}

export interface Member {
  readonly userId: string
  readonly username: string
  readonly color: string
  readonly role: Role
}

export interface Invite {
  /** Secret: whoever holds it can join the world with `role` until `expiresAt`. */
  readonly token: string
  /** The web app's page that accepts the invite. */
  readonly url: string
  readonly role: Role
  readonly expiresAt: string
}

export interface InviteAccepted {
  readonly world: World
}
