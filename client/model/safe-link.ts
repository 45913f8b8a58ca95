/**
 * The only link targets the editor accepts. Everything else (javascript:, data:, vbscript:,
 * relative paths) is refused before it is stored and again before it is rendered, because a peer
 * can put any string into the shared document.
 */
export const SAFE_LINK_PROTOCOLS = ['http:', 'https:', 'mailto:'] as const

export const isSafeHref = (value: unknown): value is string => {
  if (typeof value !== 'string') return false
  const trimmed = value.trim()
  if (trimmed === '') return false
  let url: URL
  try {
    url = new URL(trimmed)
  } catch {
    return false
  }
  return (SAFE_LINK_PROTOCOLS as readonly string[]).includes(url.protocol.toLowerCase())
}

/** Turns what someone typed ("example.org") into a link target, or null when it is not allowed. */
export const normaliseHref = (value: string): string | null => {
  const trimmed = value.trim()
  if (isSafeHref(trimmed)) return trimmed
  // A bare host gets https; anything with its own scheme was judged above.
  if (!/^[a-z][a-z0-9+.-]*:/i.test(trimmed) && /^[^\s/]+\.[^\s/]+/.test(trimmed)) {
    const withScheme = `https://${trimmed}`
    return isSafeHref(withScheme) ? withScheme : null
  }
  return null
}
