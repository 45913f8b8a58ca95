import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { stateVectorOfUpdate } from '../../../server/rooms/state-vector.ts'
import { Random } from '../../helpers/prng.ts'

/** A document touching every kind of content a V1 update can carry. */
const randomDoc = (seed: number): Y.Doc => {
  const random = new Random(seed)
  const below = (n: number): number => random.int(0, n - 1)
  const doc = new Y.Doc()
  const text = doc.getText('text')
  const map = doc.getMap('map')
  const array = doc.getArray<unknown>('array')
  const xml = doc.getXmlFragment('xml')
  const words = ['a', 'été', '𝄞 clef', '漢字', '', 'plain words here']
  for (let i = 0; i < 60; i++) {
    doc.clientID = 1 + below(4)
    const pick = (list: readonly string[]): string => random.pick(list)
    switch (below(9)) {
      case 0:
        text.insert(below(text.length + 1), pick(words) || 'x')
        break
      case 1:
        if (text.length > 0) text.delete(below(text.length), 1)
        break
      case 2:
        text.format(0, Math.min(2, text.length), { bold: true })
        break
      case 3:
        text.insertEmbed(below(text.length + 1), { image: 'x.png' })
        break
      case 4:
        map.set(pick(words) || 'k', { n: below(100), s: pick(words), list: [1, null, true] })
        break
      case 5:
        array.insert(0, [new Uint8Array([1, 2, 3]), below(9), 'str'])
        break
      case 6:
        xml.insert(0, [new Y.XmlElement('p'), new Y.XmlText('hi')])
        break
      case 7:
        map.set('nested', new Y.Map())
        break
      case 8:
        if (array.length > 0) array.delete(0, 1)
        break
    }
  }
  return doc
}

describe('stateVectorOfUpdate', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('equals Y.encodeStateVectorFromUpdate (seed %i)', (seed) => {
    const doc = randomDoc(seed)
    const update = Y.encodeStateAsUpdate(doc)
    expect(stateVectorOfUpdate(update)).toEqual(Y.encodeStateVectorFromUpdate(update))
    // A diff starts some clients past clock 0: those are not held from the start.
    const partial = Y.encodeStateAsUpdate(doc, new Uint8Array([1, 1, 2]))
    expect(stateVectorOfUpdate(partial)).toEqual(Y.encodeStateVectorFromUpdate(partial))
  })

  it('reads an empty document', () => {
    const update = Y.encodeStateAsUpdate(new Y.Doc())
    expect(stateVectorOfUpdate(update)).toEqual(Y.encodeStateVectorFromUpdate(update))
  })

  it('reads a merged update with a gap (Skip)', () => {
    const a = new Y.Doc()
    a.clientID = 7
    const updates: Uint8Array[] = []
    a.on('update', (u: Uint8Array) => updates.push(u))
    for (let i = 0; i < 5; i++) a.getText('t').insert(i, 'x')
    const merged = Y.mergeUpdates([updates[0]!, updates[1]!, updates[3]!])
    expect(stateVectorOfUpdate(merged)).toEqual(Y.encodeStateVectorFromUpdate(merged))
  })
})
