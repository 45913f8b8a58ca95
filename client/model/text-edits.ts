/**
 * Plain-text editing against a Y.Text: turning an <input>'s new value into the smallest Yjs edit,
 * and carrying a caret through someone else's edit. Pure functions, so the binding's behaviour can
 * be tested without a DOM.
 */
import type * as Y from 'yjs'

/** One contiguous replacement: remove `remove` characters at `index`, then insert `insert`. */
export interface TextChange {
  readonly index: number
  readonly remove: number
  readonly insert: string
}

/**
 * The change that turns `prev` into `next`. An input event edits one region that ends at the caret
 * (`cursor`, an index into `next`), so the unchanged tail is never allowed to reach past the caret:
 * typing "a" into "aa" at position 1 is an insert at 1, not at 2, which matters to everyone else's
 * caret and to how concurrent edits interleave.
 */
export const diffText = (prev: string, next: string, cursor: number = next.length): TextChange => {
  const caret = Math.min(Math.max(cursor, 0), next.length)
  const maxSuffix = Math.min(prev.length, next.length - caret)
  let suffix = 0
  while (
    suffix < maxSuffix &&
    prev.charCodeAt(prev.length - 1 - suffix) === next.charCodeAt(next.length - 1 - suffix)
  ) {
    suffix++
  }
  const maxPrefix = Math.min(prev.length, next.length) - suffix
  let prefix = 0
  while (prefix < maxPrefix && prev.charCodeAt(prefix) === next.charCodeAt(prefix)) prefix++
  return {
    index: prefix,
    remove: prev.length - prefix - suffix,
    insert: next.slice(prefix, next.length - suffix),
  }
}

export const isNoChange = (change: TextChange): boolean =>
  change.remove === 0 && change.insert === ''

/** Applies a change to a Y.Text; call inside a transaction. */
export const applyTextChange = (text: Y.Text, change: TextChange): void => {
  if (change.remove > 0) text.delete(change.index, change.remove)
  if (change.insert !== '') text.insert(change.index, change.insert)
}

/** A Y.Text delta as Yjs reports it in `YTextEvent.delta`. */
export type TextDelta = ReadonlyArray<{
  readonly insert?: string | object | unknown[]
  readonly retain?: number
  readonly delete?: number
}>

/**
 * Where a caret at `index` belongs after `delta` was applied to the text. Text inserted exactly at
 * the caret goes after it with `'before'` (the caret keeps its place; a remote insert does not push
 * you) and before it with `'after'`. Deleted text around the caret collapses it to the deletion point.
 */
export const transformIndex = (
  index: number,
  delta: TextDelta,
  stick: 'before' | 'after' = 'before',
): number => {
  let oldPos = 0
  let result = index
  for (const op of delta) {
    if (oldPos > index) break
    if (op.retain !== undefined) {
      oldPos += op.retain
    } else if (op.insert !== undefined) {
      const length = typeof op.insert === 'string' ? op.insert.length : 1
      if (oldPos < index || (oldPos === index && stick === 'after')) result += length
    } else if (op.delete !== undefined) {
      result -= Math.min(op.delete, Math.max(0, index - oldPos))
      oldPos += op.delete
    }
  }
  return result
}

/** A selection carried through a delta; a collapsed caret stays collapsed. */
export const transformSelection = (
  start: number,
  end: number,
  delta: TextDelta,
): { start: number; end: number } => {
  if (start === end) {
    const at = transformIndex(start, delta)
    return { start: at, end: at }
  }
  // A non-empty selection keeps exactly its content: text inserted at either edge stays outside.
  return { start: transformIndex(start, delta, 'after'), end: transformIndex(end, delta, 'before') }
}

/** Applies a plain-text delta to a string (embeds count as one character and are dropped). */
export const applyDelta = (text: string, delta: TextDelta): string => {
  let out = ''
  let pos = 0
  for (const op of delta) {
    if (op.retain !== undefined) {
      out += text.slice(pos, pos + op.retain)
      pos += op.retain
    } else if (op.insert !== undefined) {
      out += typeof op.insert === 'string' ? op.insert : ''
    } else if (op.delete !== undefined) {
      pos += op.delete
    }
  }
  return out + text.slice(pos)
}
