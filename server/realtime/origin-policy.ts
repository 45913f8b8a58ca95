/**
 * Which browser origins may talk to this server: its own, plus the configured CORS_ORIGINS.
 * Requests without an Origin header come from non-browser clients (tests, tools, other servers),
 * which a browser cannot forge on a victim's behalf, so they are allowed.
 */
import type { IncomingHttpHeaders } from 'node:http'

export const isOriginAllowed = (
  headers: IncomingHttpHeaders,
  allowed: readonly string[],
): boolean => {
  const origin = headers.origin
  if (origin === undefined) return true
  if (allowed.includes(origin)) return true
  const host = headers.host
  if (!host) return false
  try {
    return new URL(origin).host === host
  } catch {
    return false
  }
}
