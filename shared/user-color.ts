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
  return `hsl(${hue}, 70%, 45%)`
}
