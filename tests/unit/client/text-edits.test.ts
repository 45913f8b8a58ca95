import * as prng from 'lib0/prng'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import {
  applyDelta,
  applyTextChange,
  diffText,
  transformIndex,
  transformSelection,
  type TextDelta,
} from '../../../client/model/text-edits.ts'
import { seedsFromEnv, withSeed } from './seeds.ts'

describe('diffText', () => {
  it('places an insert at the caret, not at the first point the texts differ', () => {
    expect(diffText('aa', 'aaa', 2)).toEqual({ index: 1, remove: 0, insert: 'a' })
    expect(diffText('aa', 'aaa', 1)).toEqual({ index: 0, remove: 0, insert: 'a' })
  })

  it('describes a deletion and a replacement', () => {
    expect(diffText('hello', 'hllo', 1)).toEqual({ index: 1, remove: 1, insert: '' })
    expect(diffText('hello world', 'hello there', 11)).toEqual({
      index: 6,
      remove: 5,
      insert: 'there',
    })
  })

  for (const seed of seedsFromEnv(10)) {
    it(`turns one text into the other through a Y.Text, 200 random edits (seed ${seed})`, () => {
      withSeed(seed, (gen) => {
        const doc = new Y.Doc()
        const text = doc.getText('t')
        let current = ''
        for (let i = 0; i < 200; i++) {
          const index = prng.int32(gen, 0, current.length)
          const remove = prng.int32(gen, 0, Math.min(4, current.length - index))
          const insert = prng.word(gen, 0, 4)
          const next = current.slice(0, index) + insert + current.slice(index + remove)
          doc.transact(() => applyTextChange(text, diffText(current, next, index + insert.length)))
          expect(text.toString()).toBe(next)
          current = next
        }
      })
    })
  }
})

describe('caret transformation', () => {
  it('moves a caret past text inserted before it and not past text inserted after it', () => {
    expect(transformIndex(5, [{ retain: 2 }, { insert: 'abc' }])).toBe(8)
    expect(transformIndex(5, [{ retain: 7 }, { insert: 'abc' }])).toBe(5)
  })

  it('keeps its place when text is inserted exactly at it, unless told to stick after', () => {
    expect(transformIndex(3, [{ retain: 3 }, { insert: 'xy' }])).toBe(3)
    expect(transformIndex(3, [{ retain: 3 }, { insert: 'xy' }], 'after')).toBe(5)
  })

  it('collapses onto a deletion that swallowed it', () => {
    expect(transformIndex(5, [{ retain: 3 }, { delete: 4 }])).toBe(3)
    expect(transformIndex(5, [{ delete: 2 }])).toBe(3)
  })

  it('keeps a selection around exactly its own text', () => {
    const delta: TextDelta = [{ retain: 2 }, { insert: '>' }, { retain: 3 }, { insert: '<' }]
    expect(transformSelection(2, 5, delta)).toEqual({ start: 3, end: 6 })
  })

  for (const seed of seedsFromEnv(10)) {
    it(`keeps the caret next to the same character through 200 real Yjs deltas (seed ${seed})`, () => {
      withSeed(seed, (gen) => {
        const local = new Y.Doc()
        const remote = new Y.Doc()
        const localText = local.getText('t')
        const remoteText = remote.getText('t')
        // Unique characters make "the same character" observable.
        let counter = 0
        const fresh = (n: number) =>
          Array.from({ length: n }, () => String.fromCodePoint(0x4e00 + counter++)).join('')
        localText.insert(0, fresh(10))
        Y.applyUpdate(remote, Y.encodeStateAsUpdate(local))

        for (let i = 0; i < 200; i++) {
          const before = localText.toString()
          const caret = prng.int32(gen, 0, before.length)
          const leftOfCaret = caret > 0 ? before[caret - 1] : undefined

          let delta: TextDelta = []
          const observer = (event: Y.YTextEvent) => {
            delta = event.delta as TextDelta
          }
          localText.observe(observer)
          remote.transact(() => {
            const index = prng.int32(gen, 0, remoteText.length)
            if (prng.bool(gen) || remoteText.length === 0) remoteText.insert(index, fresh(2))
            else remoteText.delete(Math.min(index, remoteText.length - 1), 1)
          })
          Y.applyUpdate(local, Y.encodeStateAsUpdate(remote, Y.encodeStateVector(local)))
          localText.unobserve(observer)

          const after = localText.toString()
          expect(applyDelta(before, delta)).toBe(after)
          const moved = transformIndex(caret, delta)
          expect(moved).toBeGreaterThanOrEqual(0)
          expect(moved).toBeLessThanOrEqual(after.length)
          if (leftOfCaret !== undefined && after.includes(leftOfCaret)) {
            expect(after[moved - 1]).toBe(leftOfCaret)
          }
        }
      })
    })
  }
})
