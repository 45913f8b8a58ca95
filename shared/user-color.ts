/**
 * A person's colour, derived from their user id so every client and the server agree on it
 * without storing it: the same hue for the same person on every caret and avatar.
 */
export const colorForUser = (userId: string): string => {
  // FNV-1a over the id: cheap, stable, and spreads similar ids apart.
  let hash = 0x811c9dc5
  for (let i = 0; i < userId.length; i++) {
    hash ^= userId.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  const hue = (hash >>> 0) % 360
  return hslToHex(hue, 0.7, 0.45)
}

/**
 * Hex, because Tiptap's CollaborationCaret and most colour inputs accept only `#rrggbb`; the
 * hue wheel at fixed saturation and lightness keeps every colour readable behind white text.
 */
const hslToHex = (hue: number, saturation: number, lightness: number): string => {
  const chroma = (1 - Math.abs(2 * lightness - 1)) * saturation
  const channel = (n: number): string => {
    const k = (n + hue / 30) % 12
    const value = lightness - (chroma / 2) * Math.max(-1, Math.min(k - 3, 9 - k, 1))
    return Math.round(value * 255)
      .toString(16)
      .padStart(2, '0')
  }
  return `#${channel(0)}${channel(8)}${channel(4)}`
}
