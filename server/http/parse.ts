/**
 * Request validation for routes: path ids and JSON bodies. Failures become 400 `invalid-request`
 * with a message that names the field.
 */
import type { z } from 'zod'
import { isId } from '../../shared/ids.ts'
import { ApiError } from './api-error.ts'

export const idParam = (params: unknown, name: string): string => {
  const value = (params as Record<string, unknown> | undefined)?.[name]
  if (!isId(value)) {
    throw new ApiError('invalid-request', `${name} must be an id issued by the server (a UUID)`)
  }
  return value
}

export const parseBody = <T>(schema: z.ZodType<T>, body: unknown): T => {
  const parsed = schema.safeParse(body ?? undefined)
  if (parsed.success) return parsed.data
  const details = parsed.error.issues
    .map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`)
    .join('; ')
  throw new ApiError('invalid-request', details)
}
