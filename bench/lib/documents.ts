/** Names shared by every scenario: the Y.Text typed into, and bench document names. */
import * as Y from 'yjs'

/** Every peer syncs the same shared type, so the server-side work is the same. */
export const BENCH_TEXT = 'bench'

export const docName = (scenario: string, run: string, index: number): string =>
  `${scenario.toLowerCase()}-${run}-${index}`

/** An update holding `length` characters of seeded filler text, as its own client wrote it. */
export const textUpdate = (content: string): Uint8Array => {
  const doc = new Y.Doc()
  doc.getText(BENCH_TEXT).insert(0, content)
  const update = Y.encodeStateAsUpdate(doc)
  doc.destroy()
  return update
}

const WORDS = ['lore', 'sync', 'world', 'dragon', 'river', 'keep', 'ember', 'tide', 'vale', 'rune']

/** Deterministic filler text of exactly `length` characters. */
export const fillerText = (length: number, pick: (max: number) => number): string => {
  let out = ''
  while (out.length < length) out += `${WORDS[pick(WORDS.length)] ?? 'x'} `
  return out.slice(0, length)
}
