import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { applyWithEffect } from '../../../server/rooms/effective-update.ts'
import { bringsOnlyNew } from '../../../server/rooms/update-dependencies.ts'

const ORIGIN = { socket: 'a' }

const docWithId = (clientID: number): Y.Doc => {
  const doc = new Y.Doc()
  doc.clientID = clientID
  return doc
}

/** Every update `doc` emits from now on. */
const recordUpdates = (doc: Y.Doc): Uint8Array[] => {
  const updates: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => updates.push(update))
  return updates
}

/** The room's doc (client 1) and one writer (client 10) whose updates are recorded. */
const serverAndWriter = (): { server: Y.Doc; writer: Y.Doc; updates: Uint8Array[] } => {
  const writer = docWithId(10)
  return { server: docWithId(1), writer, updates: recordUpdates(writer) }
}

const sync = (from: Y.Doc, to: Y.Doc): void => {
  Y.applyUpdate(to, Y.encodeStateAsUpdate(from, Y.encodeStateVector(to)))
}

const onlyNew = (doc: Y.Doc, update: Uint8Array): boolean =>
  bringsOnlyNew(doc, Y.decodeUpdate(update))

/** A copy of `doc` as it is now, to replay an effect onto. */
const copyOf = (doc: Y.Doc): Y.Doc => {
  const copy = docWithId(999)
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc))
  return copy
}

/** The text of `doc` with its formatting, as a replica would render it. */
const rendered = (doc: Y.Doc): unknown => doc.getText('t').toDelta()

describe('bringsOnlyNew', () => {
  it('holds for a keystroke that continues its client, with or without a deletion', () => {
    const { server, writer, updates } = serverAndWriter()
    writer.getText('t').insert(0, 'ab')
    Y.applyUpdate(server, updates[0]!)
    writer.transact(() => {
      writer.getText('t').delete(1, 1)
      writer.getText('t').insert(1, 'c')
    })
    expect(onlyNew(server, updates[1]!)).toBe(true)
  })

  it('fails for an update the doc already holds, or holds part of', () => {
    const server = docWithId(1)
    const writer = docWithId(10)
    writer.getText('t').insert(0, 'ab')
    const first = Y.encodeStateAsUpdate(writer)
    writer.getText('t').insert(2, 'c')
    const both = Y.encodeStateAsUpdate(writer)
    Y.applyUpdate(server, first)
    expect(onlyNew(server, first)).toBe(false)
    expect(onlyNew(server, both)).toBe(false)
  })

  it('fails for a deletion alone, which may change nothing', () => {
    const { server, writer, updates } = serverAndWriter()
    writer.getText('t').insert(0, 'ab')
    writer.getText('t').delete(0, 1)
    Y.applyUpdate(server, updates[0]!)
    expect(onlyNew(server, updates[1]!)).toBe(false)
  })

  it('fails for an update with a gap, and while the doc holds pending structs', () => {
    const { server, writer, updates } = serverAndWriter()
    writer.getText('t').insert(0, 'a')
    writer.getText('t').insert(1, 'b')
    writer.getText('t').insert(2, 'c')
    expect(onlyNew(server, updates[1]!)).toBe(false)
    Y.applyUpdate(server, updates[2]!)
    expect(server.store.pendingStructs).not.toBeNull()
    expect(onlyNew(server, updates[0]!)).toBe(false)
  })
})

describe('applyWithEffect', () => {
  it('reports a keystroke that brings only new structs as its own bytes, without encoding', () => {
    const { server, writer, updates } = serverAndWriter()
    writer.getText('t').insert(0, 'hello')
    writer.getText('t').insert(5, '!')
    Y.applyUpdate(server, updates[0]!)
    const effect = applyWithEffect(server, updates[1]!, ORIGIN, true)
    expect(effect.effective).toBe(updates[1])
    expect(effect.echo).toBeNull()
    expect(server.getText('t').toString()).toBe('hello!')
  })

  it('copies an update that is a view into a larger buffer, so it does not keep that alive', () => {
    const { server, writer, updates } = serverAndWriter()
    writer.getText('t').insert(0, 'a')
    const read = new Uint8Array(64 + updates[0]!.byteLength)
    read.set(updates[0]!, 64)
    const view = read.subarray(64)
    const effect = applyWithEffect(server, view, ORIGIN, onlyNew(server, view))
    expect(effect.effective).not.toBeNull()
    expect(effect.effective!.buffer).not.toBe(read.buffer)
    expect(effect.effective).toEqual(updates[0])
  })

  it('reports what changed, as before, for an update that overlaps the doc', () => {
    const server = docWithId(1)
    const writer = docWithId(10)
    writer.getText('t').insert(0, 'ab')
    const first = Y.encodeStateAsUpdate(writer)
    writer.getText('t').insert(2, 'c')
    Y.applyUpdate(server, first)
    const effect = applyWithEffect(server, Y.encodeStateAsUpdate(writer), ORIGIN, false)
    const replica = docWithId(20)
    Y.applyUpdate(replica, first)
    Y.applyUpdate(replica, effect.effective!)
    expect(replica.getText('t').toString()).toBe('abc')
    expect(Y.parseUpdateMeta(effect.effective!).from.get(10)).toBe(2)
    expect(applyWithEffect(server, first, ORIGIN, false)).toEqual({ effective: null, echo: null })
  })

  // Two people bold the same word at once. The server's doc, applying the second, deletes the
  // now redundant marks in a cleanup transaction of its own: that is news to everyone, the sender
  // included, so it must be both in `effective` and in `echo`, on the fast path as on the slow one.
  it.each([true, false])(
    'captures the formatting cleanup a new update sets off (onlyNew %s)',
    (fast) => {
      const server = docWithId(1)
      // Yjs cleans up formatting only in texts it knows as texts: the room's body is one.
      server.getText('t')
      const base = docWithId(5)
      base.getText('t').insert(0, 'word')
      sync(base, server)
      const first = docWithId(10)
      const second = docWithId(20)
      sync(base, first)
      sync(base, second)
      const firstUpdates = recordUpdates(first)
      const secondUpdates = recordUpdates(second)
      first.getText('t').format(0, 4, { bold: true })
      second.getText('t').format(0, 4, { bold: true })
      Y.applyUpdate(server, firstUpdates[0]!, 'someone else')
      const before = copyOf(server)
      const update = secondUpdates[0]!
      expect(onlyNew(server, update)).toBe(true)

      const effect = applyWithEffect(server, update, ORIGIN, fast)

      expect(effect.echo).not.toBeNull()
      // The sender's replica, given the echo, ends where the server's doc is.
      Y.applyUpdate(second, firstUpdates[0]!)
      Y.applyUpdate(second, effect.echo!)
      expect(Y.encodeStateVector(second)).toEqual(Y.encodeStateVector(server))
      expect(rendered(second)).toEqual(rendered(server))
      // Any other replica, given the effect, ends there too.
      Y.applyUpdate(before, effect.effective!)
      expect(Y.encodeStateVector(before)).toEqual(Y.encodeStateVector(server))
      expect(rendered(before)).toEqual([{ insert: 'word', attributes: { bold: true } }])
    },
  )

  it('leaves no listener behind, also when the update fails to apply', () => {
    const server = docWithId(1)
    const writer = docWithId(10)
    writer.getText('t').insert(0, 'a')
    applyWithEffect(server, Y.encodeStateAsUpdate(writer), ORIGIN, true)
    expect(() => applyWithEffect(server, new Uint8Array([0, 9, 9, 9]), ORIGIN, true)).toThrow()
    expect(server._observers.get('update')?.size ?? 0).toBe(0)
    expect(server._observers.get('afterTransaction')?.size ?? 0).toBe(0)
  })
})
