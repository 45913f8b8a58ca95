/**
 * Who else is on an element, read from its Awareness. Remote states are untrusted input: names are
 * cut to a sane length and colors are normalised to plain hex (older servers stamped `hsl(…)`; the
 * caret extension accepts only hex), since both end up in the page.
 */
import type { Awareness } from 'y-protocols/awareness'

export interface Person {
  /** The account's id, for the signed-in person: with it, `user` is exactly the identity the
   * server stamps on awareness states (server/rooms/awareness-filter.ts). Others' carets omit it. */
  readonly id?: string
  readonly name: string
  readonly color: string
}

export interface Peer extends Person {
  readonly clientId: number
}

export const MAX_DISPLAY_NAME_LENGTH = 40
export const FALLBACK_COLOR = '#8a94a6'
const HEX_COLOR = /^#[0-9a-f]{6}$/i
const HSL_COLOR =
  /^hsl\(\s*(\d{1,3}(?:\.\d+)?)\s*,\s*(\d{1,3}(?:\.\d+)?)%\s*,\s*(\d{1,3}(?:\.\d+)?)%\s*\)$/i

const hex = (channel: number): string =>
  Math.round(Math.min(255, Math.max(0, channel * 255)))
    .toString(16)
    .padStart(2, '0')

/** `#rrggbb` for a hex or `hsl(h, s%, l%)` color; null for anything else. */
export const toHexColor = (value: unknown): string | null => {
  if (typeof value !== 'string') return null
  if (HEX_COLOR.test(value)) return value.toLowerCase()
  const match = HSL_COLOR.exec(value.trim())
  if (!match) return null
  const h = (Number(match[1]) % 360) / 360
  const s = Math.min(100, Number(match[2])) / 100
  const l = Math.min(100, Number(match[3])) / 100
  const q = l < 0.5 ? l * (1 + s) : l + s - l * s
  const p = 2 * l - q
  const channel = (t: number): number => {
    const k = t < 0 ? t + 1 : t > 1 ? t - 1 : t
    if (k < 1 / 6) return p + (q - p) * 6 * k
    if (k < 1 / 2) return q
    if (k < 2 / 3) return p + (q - p) * (2 / 3 - k) * 6
    return p
  }
  return `#${hex(channel(h + 1 / 3))}${hex(channel(h))}${hex(channel(h - 1 / 3))}`
}

export const sanitizePerson = (value: unknown): Person | null => {
  if (typeof value !== 'object' || value === null) return null
  const { name, color } = value as { name?: unknown; color?: unknown }
  if (typeof name !== 'string' || name.trim() === '') return null
  return {
    name: name.trim().slice(0, MAX_DISPLAY_NAME_LENGTH),
    color: toHexColor(color) ?? FALLBACK_COLOR,
  }
}

/** Everyone but ourselves who announced a user, in a stable order. */
export const readPeers = (awareness: Awareness): Peer[] => {
  const peers: Peer[] = []
  awareness.getStates().forEach((state, clientId) => {
    if (clientId === awareness.clientID) return
    const person = sanitizePerson((state as { user?: unknown }).user)
    if (person) peers.push({ clientId, ...person })
  })
  return peers.sort((a, b) => a.name.localeCompare(b.name) || a.clientId - b.clientId)
}

export const samePeers = (a: readonly Peer[], b: readonly Peer[]): boolean =>
  a.length === b.length &&
  a.every((peer, i) => {
    const other = b[i]
    return (
      other !== undefined &&
      peer.clientId === other.clientId &&
      peer.name === other.name &&
      peer.color === other.color
    )
  })

export const initials = (name: string): string => {
  const words = name.trim().split(/\s+/).filter(Boolean)
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : [name.trim()]
  return letters
    .map((word) => [...(word ?? '')].slice(0, words.length > 1 ? 1 : 2).join(''))
    .join('')
    .toUpperCase()
}
