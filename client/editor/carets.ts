/**
 * How other people's carets look. The remote `user` field is stamped by the server, but a caret is
 * drawn from whatever arrives, so names and colors go through the same sanitiser as the presence
 * avatars. Names are text nodes, never HTML.
 */
import { defaultSelectionBuilder } from '@tiptap/y-tiptap'
import { colorForUser } from '../../shared/user-color.ts'
import { FALLBACK_COLOR, sanitizePerson, toHexColor, type Person } from '../model/peers.ts'

/**
 * CollaborationCaret replaces a color that is not hex with "transparent" before calling us; the
 * server derives each account's (hex) color from its id, so the id gives it back.
 */
const personOf = (user: Record<string, unknown>): Person => {
  const color =
    toHexColor(user.color) ??
    (typeof user.id === 'string' ? toHexColor(colorForUser(user.id)) : null) ??
    FALLBACK_COLOR
  return sanitizePerson({ ...user, color }) ?? { name: 'Someone', color }
}

export const renderCaret = (user: Record<string, unknown>): HTMLElement => {
  const person = personOf(user)
  const caret = document.createElement('span')
  caret.classList.add('collaboration-carets__caret')
  caret.style.borderColor = person.color
  const label = document.createElement('div')
  label.classList.add('collaboration-carets__label')
  label.style.backgroundColor = person.color
  label.textContent = person.name
  caret.append(label)
  return caret
}

export const renderSelection = (user: Record<string, unknown>) =>
  defaultSelectionBuilder({ ...user, color: personOf(user).color })
