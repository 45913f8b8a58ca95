/**
 * What an ElementSession does with what the server sends. It hears every transaction of its own
 * (the replica's edits, and what runs while a remote change is applied: code reacting to it, Yjs's
 * formatting cleanup) and none of the network's: while anything listens to a doc's 'update' event
 * Yjs encodes each transaction's update for it, so the session stops listening while it applies
 * what the server sent. A caret frame it cannot read changes nothing. Real server on 127.0.0.1
 * (SQLite in a temp dir), real CollabClients; every wait resolves on an event.
 */
import { describe, expect, it } from 'vitest'
import type * as Y from 'yjs'
import { REMOTE_ORIGIN } from '../../client/collab/element-session.ts'
import { createElement, createWorld } from '../helpers/api-client.ts'
import { awarenessFrame } from '../helpers/awareness-frames.ts'
import { onEvent, until } from '../helpers/events.ts'
import {
  nameText,
  rebuildFromStorage,
  useClient,
  useServer,
  whenSaved,
  whenSynced,
} from '../helpers/sync-fixtures.ts'

/** Whether anything listens to `doc`'s 'update' event (lib0's Observable keeps no empty sets). */
const anyUpdateListener = (doc: Y.Doc): boolean => doc._observers.has('update')

describe('what an element session hears of its doc', () => {
  it('has Yjs encode its own edits and never a remote one', async () => {
    const server = await useServer()
    const world = await createWorld(server)
    const element = await createElement(server, world.id, { kind: 'item', name: 'Lamp' })
    const a = useClient(server).open(element.id)
    const b = useClient(server).open(element.id)
    await Promise.all([whenSynced(a), whenSynced(b)])

    // Sampled inside each transaction of B's doc, where Yjs decides whether to encode it.
    const listenedDuring: Array<{ remote: boolean; listened: boolean }> = []
    b.doc.on('afterTransaction', (transaction: Y.Transaction) => {
      listenedDuring.push({
        remote: transaction.origin === REMOTE_ORIGIN,
        listened: anyUpdateListener(b.doc),
      })
    })

    nameText(a.doc).insert(4, ' of Ash')
    await until(
      "A's edit at B",
      () => nameText(b.doc).toString() === 'Lamp of Ash',
      onEvent(b.doc, 'afterTransaction'),
    )
    nameText(b.doc).insert(0, 'The ')
    await Promise.all([whenSaved(a), whenSaved(b)])

    expect(listenedDuring).toEqual([
      { remote: true, listened: false },
      { remote: false, listened: true },
    ])
    const stored = await server.app.store.loadDocument(element.id)
    expect(nameText(rebuildFromStorage(stored!)).toString()).toBe('The Lamp of Ash')

    b.destroy()
    expect(anyUpdateListener(b.doc)).toBe(false)
    expect(b.doc._observers.has('beforeTransaction')).toBe(false)
  })

  it('sends an edit its own code makes while a remote change is being applied', async () => {
    const server = await useServer()
    const world = await createWorld(server)
    const element = await createElement(server, world.id, { kind: 'faction', name: 'Guild' })
    const a = useClient(server).open(element.id)
    const b = useClient(server).open(element.id)
    await Promise.all([whenSynced(a), whenSynced(b)])
    // Code at A that answers a remote change with an edit of its own, as an editor normalising
    // what arrived would (and as Yjs's own formatting cleanup does): Yjs runs it as a transaction
    // queued behind the remote one, while the session is not listening for that one.
    nameText(a.doc).observe((event) => {
      if (event.transaction.origin !== REMOTE_ORIGIN) return
      a.doc.transact(() => nameText(a.doc).insert(nameText(a.doc).length, '!'), 'normaliser')
    })

    nameText(b.doc).insert(5, 's')
    await until(
      "A's answer at B",
      () => nameText(b.doc).toString() === 'Guilds!',
      onEvent(b.doc, 'afterTransaction'),
    )
    await Promise.all([whenSaved(a), whenSaved(b)])

    expect(nameText(a.doc).toString()).toBe('Guilds!')
    const stored = await server.app.store.loadDocument(element.id)
    expect(nameText(rebuildFromStorage(stored!)).toString()).toBe('Guilds!')
  })

  it('drops a caret frame it cannot read, keeping the carets it holds', async () => {
    const server = await useServer()
    const world = await createWorld(server)
    const element = await createElement(server, world.id, { kind: 'item', name: 'Lamp' })
    const a = useClient(server).open(element.id)
    await whenSynced(a)
    // What the client's socket listener hands over; the server never relays such frames.
    a.applyRemoteAwareness(awarenessFrame(9, 1, { user: { name: 'Bo' } }))
    const unreadable = [
      new Uint8Array([1, 9, 2]),
      new TextEncoder().encode('not a frame'),
      awarenessFrame(9, 2, ['an', 'array']),
      Uint8Array.from([...awarenessFrame(9, 3, { user: { name: 'Eve' } }), 0]),
    ]
    for (const frame of unreadable) expect(() => a.applyRemoteAwareness(frame)).not.toThrow()

    expect(a.awareness.getStates().get(9)).toEqual({ user: { name: 'Bo' } })
    expect(a.awareness.meta.get(9)?.clock).toBe(1)
    nameText(a.doc).insert(4, 's')
    await whenSaved(a)
  })
})
