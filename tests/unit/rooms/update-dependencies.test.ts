import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { findMissingDependency } from '../../../server/rooms/update-dependencies.ts'

const docWithId = (clientID: number): Y.Doc => {
  const doc = new Y.Doc()
  doc.clientID = clientID
  return doc
}

const sync = (from: Y.Doc, to: Y.Doc): void => {
  Y.applyUpdate(to, Y.encodeStateAsUpdate(from, Y.encodeStateVector(to)))
}

describe('findMissingDependency', () => {
  it('accepts an item building on a struct of another client listed later in the same update', () => {
    const server = docWithId(1)
    // Yjs writes the higher client id first: its item refers to the lower one's, written after.
    const low = docWithId(10)
    const high = docWithId(20)
    low.getText('t').insert(0, 'a')
    sync(low, high)
    high.getText('t').insert(1, 'b')
    sync(high, low)
    const both = Y.encodeStateAsUpdate(low, Y.encodeStateVector(server))
    expect(Y.decodeUpdate(both).structs.map((struct) => struct.id.client)).toEqual([20, 10])
    expect(findMissingDependency(server, Y.decodeUpdate(both))).toBeNull()
    Y.applyUpdate(server, both)
    expect(server.store.pendingStructs).toBeNull()
    expect(server.getText('t').toString()).toBe('ab')
  })

  it('refuses an item whose origin neither the room nor the update holds', () => {
    const server = docWithId(1)
    const writer = docWithId(10)
    writer.getText('t').insert(0, 'a')
    const first = Y.encodeStateAsUpdate(writer)
    writer.getText('t').insert(1, 'b')
    const second = Y.encodeStateAsUpdate(writer, Y.encodeStateVectorFromUpdate(first))
    expect(findMissingDependency(server, Y.decodeUpdate(second))).toMatch(/unknown|clock/)
  })
})
