/**
 * What a simulated user does in an element: its caret label, its edits and their pace. Shared by
 * the in-process workload (T1, T2, T5) and T7's typist process, so that both draw every choice
 * from the typist's own seeded Prng in the same order and replay the same edits for the same seed.
 */
import * as Y from 'yjs'
import type { OpenedDoc } from '../clients/types.ts'
import type { Prng } from './prng.ts'
import { now } from './time.ts'

const ALPHABET = 'etaoinshrdlu etaoinshrdlucmfwypvbgkqjxz ,.'

const COLORS = ['#e06c75', '#98c379', '#e5c07b', '#61afef', '#c678dd', '#56b6c2']

/**
 * Sets the awareness `user` field every client of an editor has (the label on its caret): what
 * the provider's app announces when it says (OpenedDoc.user), a made-up name and colour otherwise.
 */
export const introduce = (opened: OpenedDoc, element: number, slot: number): void => {
  opened.awareness.setLocalStateField(
    'user',
    opened.user ?? { name: `user-${element}-${slot}`, color: COLORS[slot % COLORS.length] },
  )
}

export interface TypistCursor {
  cursor: number
  readonly prng: Prng
}

/**
 * Inserts one character at the typist's cursor (sometimes replacing the character before it, now
 * and then after moving the cursor), then sends the cursor as an awareness update, as an editor
 * would. `emitting` runs right before the transaction that emits the update: where latency
 * starts. Returns the typist's clock right after the edit (every edit inserts, so it advances).
 */
export const typeOne = (
  typist: TypistCursor,
  opened: OpenedDoc,
  text: Y.Text,
  emitting: () => void,
): number => {
  const length = text.length
  if (typist.prng.next() < 0.05) typist.cursor = typist.prng.int(length + 1)
  typist.cursor = Math.min(typist.cursor, length)
  const char = ALPHABET[typist.prng.int(ALPHABET.length)] ?? 'x'
  const replace = typist.cursor > 0 && typist.prng.next() < 0.1
  emitting()
  opened.doc.transact(() => {
    if (replace) {
      text.delete(typist.cursor - 1, 1)
      typist.cursor--
    }
    text.insert(typist.cursor, char)
  })
  typist.cursor++
  const clock = Y.getState(opened.doc.store, opened.doc.clientID)
  const position = Y.createRelativePositionFromTypeIndex(text, typist.cursor)
  const json: unknown = Y.relativePositionToJSON(position)
  opened.awareness.setLocalStateField('cursor', { anchor: json, head: json })
  return clock
}

/**
 * Calls `edit` for every typist for `ms`, at `perTypist` edits per second each: a seeded phase
 * within the first interval, then a seeded jitter of ±25 % per interval.
 */
export const pace = async <T extends { readonly prng: Prng }>(
  typists: readonly T[],
  perTypist: number,
  ms: number,
  edit: (typist: T) => void,
): Promise<void> => {
  const interval = 1000 / perTypist
  const startedAt = now()
  const endAt = startedAt + ms
  const timers = new Set<NodeJS.Timeout>()
  await new Promise<void>((resolve) => {
    let running = typists.length
    if (running === 0) resolve()
    const schedule = (due: number, tick: () => void): void => {
      const timer = setTimeout(
        () => {
          timers.delete(timer)
          tick()
        },
        Math.max(0, due - now()),
      )
      timers.add(timer)
    }
    for (const typist of typists) {
      let due = startedAt + typist.prng.next() * interval
      const tick = (): void => {
        if (now() >= endAt) {
          if (--running === 0) resolve()
          return
        }
        edit(typist)
        due += interval * (0.75 + typist.prng.next() * 0.5)
        schedule(due, tick)
      }
      schedule(due, tick)
    }
  })
  for (const timer of timers) clearTimeout(timer)
}
