import { randomUUID } from 'node:crypto'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { RoomRegistry } from '../../../server/rooms/room-registry.ts'
import { GroupCommitter } from '../../../server/storage/group-commit.ts'
import { openSqliteStore } from '../../../server/storage/sqlite/sqlite-store.ts'
import type { DocumentStore } from '../../../server/storage/store.ts'

describe('RoomRegistry.persist', () => {
  it('acknowledges an update only once the writes applied before it are stored', async () => {
    const store = openSqliteStore({ file: ':memory:', synchronous: 'normal' })
    // The first append fails once: its retry commits after the second update's append.
    let failNext = true
    let reportFailure: () => void = () => {}
    const firstFailed = new Promise<void>((resolve) => (reportFailure = resolve))
    const flaky: DocumentStore = Object.assign(Object.create(store) as DocumentStore, {
      appendUpdates: (entries: Parameters<DocumentStore['appendUpdates']>[0]) => {
        if (failNext) {
          failNext = false
          reportFailure()
          return Promise.reject(new Error('injected append failure'))
        }
        return store.appendUpdates(entries)
      },
    })
    const committer = new GroupCommitter(flaky)
    const registry = new RoomRegistry({
      store: flaky,
      committer,
      logger: pino({ level: 'silent' }),
    })
    const worldId = randomUUID()
    const docId = randomUUID()
    await store.createWorld({ id: worldId, name: 'w', createdAt: new Date().toISOString() })
    const seed = Y.encodeStateAsUpdate(new Y.Doc())
    await store.createElement(
      {
        id: docId,
        worldId,
        kind: 'note',
        name: 'n',
        summary: '',
        updatedAt: new Date().toISOString(),
      },
      seed,
    )
    const room = await registry.join(docId, 'socket-1')

    const client = new Y.Doc()
    const updates: Uint8Array[] = []
    client.on('update', (update: Uint8Array) => updates.push(update))
    client.getText('t').insert(0, 'a')
    client.getText('t').insert(1, 'b')
    const order: string[] = []
    const first = registry.persist(room, room.applyClientUpdate('socket-1', updates[0]!))
    // Once the first batch has failed, its retry waits 50 ms; the second commits before it.
    await firstFailed
    const second = registry.persist(room, room.applyClientUpdate('socket-1', updates[1]!))
    await Promise.all([
      first.then(() => order.push('first')),
      second.then(() => {
        order.push('second')
        // The second update builds on the first: both must be readable from storage now.
        return store.loadDocument(docId).then((stored) => {
          const doc = new Y.Doc()
          for (const update of [stored!.snapshot, ...stored!.updates]) {
            if (update) Y.applyUpdate(doc, update)
          }
          expect(doc.getText('t').toString()).toBe('ab')
        })
      }),
    ])
    expect(order).toEqual(['first', 'second'])
    await registry.closeAll()
    await committer.close()
    await store.close()
  })
})
