/**
 * The registry keeps one copy of a world's id for all its loaded rooms (benchmark T3), counted so
 * that it goes with the world's last room, whether that room unloads or is evicted.
 */
import { randomUUID } from 'node:crypto'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { RoomRegistry } from '../../../server/rooms/room-registry.ts'
import { GroupCommitter } from '../../../server/storage/group-commit.ts'
import { openSqliteStore } from '../../../server/storage/sqlite/sqlite-store.ts'

/** What the test reads of the registry's private bookkeeping. */
interface HeldWorldIds {
  readonly worldIds: Map<string, { readonly id: string; readonly rooms: number }>
}

describe('RoomRegistry world ids', () => {
  it("shares one world id among the world's rooms and forgets it with the last", async () => {
    const store = openSqliteStore({ file: ':memory:', synchronous: 'normal' })
    const registry = new RoomRegistry({
      store,
      committer: new GroupCommitter(store),
      logger: pino({ level: 'silent' }),
    })
    const worldId = randomUUID()
    await store.createWorld({ id: worldId, name: 'w', createdAt: new Date().toISOString() })
    const docIds = [randomUUID(), randomUUID(), randomUUID()]
    for (const id of docIds) {
      await store.createElement(
        { id, worldId, kind: 'note', name: 'n', summary: '', updatedAt: new Date().toISOString() },
        Y.encodeStateAsUpdate(new Y.Doc()),
      )
    }
    const held = (registry as unknown as HeldWorldIds).worldIds
    // The id passed by an access check and the one read with the load come out as one entry.
    const rooms = [
      await registry.join(docIds[0]!, 's1', 'u1', `${worldId}`),
      await registry.join(docIds[1]!, 's1', 'u1'),
      await registry.join(docIds[2]!, 's1', 'u1', worldId.slice(0)),
    ]
    expect(rooms.map((room) => room.worldId)).toEqual([worldId, worldId, worldId])
    expect([...held.values()]).toEqual([{ id: worldId, rooms: 3 }])
    registry.evict(docIds[0]!)
    expect(held.get(worldId)?.rooms).toBe(2)
    registry.leave(rooms[1]!, 's1')
    registry.leave(rooms[2]!, 's1')
    await registry.closeAll()
    expect(held.size).toBe(0)
    // A later load of the world holds it afresh.
    const again = new RoomRegistry({
      store,
      committer: new GroupCommitter(store),
      logger: pino({ level: 'silent' }),
    })
    const room = await again.join(docIds[1]!, 's2', 'u1')
    expect(room.worldId).toBe(worldId)
    expect((again as unknown as HeldWorldIds).worldIds.get(worldId)?.rooms).toBe(1)
    await again.closeAll()
    store.close()
  })
})
