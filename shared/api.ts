/**
 * HTTP resource shapes and request validation, shared so the web app can validate a form with the
 * very schema the server enforces.
 */
import { z } from 'zod'
import { ELEMENT_KINDS, type ElementKind } from './element-kinds.ts'
import type { ErrorPayload } from './errors.ts'
import { MAX_ELEMENT_NAME_LENGTH, MAX_SUMMARY_LENGTH, MAX_WORLD_NAME_LENGTH } from './limits.ts'

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
