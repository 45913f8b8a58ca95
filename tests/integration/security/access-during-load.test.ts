/**
 * A membership change that lands while a join is loading its element. The join checks access
 * before the load and again after it; on one node the second check reads again only when a change
 * was reported meanwhile (membership marks, server/access/world-access.ts), so these tests hold
 * the load open, change the membership through the API, and release the load.
 */
import { EventEmitter } from 'node:events'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import type { World } from '../../../shared/api.ts'
import { databaseFile } from '../../../server/lifecycle/data-dir.ts'
import { openSqliteStore } from '../../../server/storage/sqlite/sqlite-store.ts'
import {
  addMember,
  changeRole,
  createElement,
  createWorld,
  removeMember,
} from '../../helpers/api-client.ts'
import { registerUser, type TestUser } from '../../helpers/auth.ts'
import { onEvent, until } from '../../helpers/events.ts'
import { connectRaw, type RawSocket } from '../../helpers/raw-socket.ts'
import { startTestServer, type TestServer } from '../../helpers/test-server.ts'

/** Holds the next load of `docId` until `release()`; `events` says 'held' once it waits. */
const hold = {
  docId: undefined as string | undefined,
  held: false,
  release: (): void => {},
  events: new EventEmitter(),
}

let server: TestServer
let world: World
const sockets: RawSocket[] = []

beforeAll(async () => {
  server = await startTestServer({
    store: (dataDir) => {
      const store = openSqliteStore({ file: databaseFile(dataDir), synchronous: 'normal' })
      const load = store.loadDocument.bind(store)
      vi.spyOn(store, 'loadDocument').mockImplementation(async (docId) => {
        if (docId === hold.docId) {
          hold.docId = undefined
          await new Promise<void>((resolve) => {
            hold.release = resolve
            hold.held = true
            hold.events.emit('held')
          })
        }
        return load(docId)
      })
      return store
    },
  })
  world = await createWorld(server, 'Loading')
})

afterAll(async () => {
  for (const socket of sockets) socket.close()
  await server.close()
})

/** A member's socket whose join of a fresh element is held in the load; resolves with its answer. */
const joinHeldInLoad = async (member: TestUser) => {
  const element = await createElement(server, world.id, { kind: 'note', name: 'Held' })
  const socket = await connectRaw(server.url, { token: member.token })
  sockets.push(socket)
  hold.held = false
  hold.docId = element.id
  const answer = socket.emitWithAck('doc:join', {
    docId: element.id,
    stateVector: Y.encodeStateVector(new Y.Doc()),
  })
  await until('the join to wait in the load', () => hold.held, onEvent(hold.events, 'held'))
  return { element, answer }
}

describe('a membership change while a join loads its element', () => {
  it('refuses the join of a member removed meanwhile, and keeps no room for them', async () => {
    const member = await registerUser(server.url)
    await addMember(server, world.id, member.username, 'editor')
    const { element, answer } = await joinHeldInLoad(member)
    await removeMember(server, world.id, member.user.id)
    hold.release()
    expect(await answer).toMatchObject({ ok: false, error: { code: 'forbidden' } })
    const room = server.app.registry.get(element.id)
    expect(room === undefined || room.memberCount === 0).toBe(true)
  })

  it('answers a member demoted meanwhile as a viewer', async () => {
    const member = await registerUser(server.url)
    await addMember(server, world.id, member.username, 'editor')
    const { answer } = await joinHeldInLoad(member)
    await changeRole(server, world.id, member.user.id, 'viewer')
    hold.release()
    expect(await answer).toMatchObject({ ok: true, role: 'viewer' })
  })

  it('answers with the role read before the load when nothing changed', async () => {
    const member = await registerUser(server.url)
    await addMember(server, world.id, member.username, 'editor')
    const { answer } = await joinHeldInLoad(member)
    hold.release()
    expect(await answer).toMatchObject({ ok: true, role: 'editor' })
  })
})
