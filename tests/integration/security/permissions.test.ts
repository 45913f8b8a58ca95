/**
 * World roles enforced over HTTP and over real sockets: membership for every read, editor or
 * owner for every write, owner for member management, and membership changes that reach open
 * sockets at once. Also: presence identity stamped by the server, and forged Yjs client ids.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import * as Y from 'yjs'
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate } from 'y-protocols/awareness'
import type { ElementSummary, World } from '../../../shared/api.ts'
import type { ErrorPayload } from '../../../shared/errors.ts'
import { getFields } from '../../../shared/element-doc.ts'
import {
  acceptInvite,
  addMember,
  changeRole,
  createElement,
  createInvite,
  createWorld,
  listMembers,
  listWorlds,
  removeMember,
  request,
} from '../../helpers/api-client.ts'
import { authedClient, registerUser, type TestUser } from '../../helpers/auth.ts'
import { onEvent, until } from '../../helpers/events.ts'
import { connectRaw, type RawSocket } from '../../helpers/raw-socket.ts'
import { startTestServer, type TestServer } from '../../helpers/test-server.ts'

let server: TestServer
let editor: TestUser
let viewer: TestUser
let outsider: TestUser
let world: World
let element: ElementSummary
const sockets: RawSocket[] = []

const as = (user: { token: string }) => ({ url: server.url, token: user.token })

const open = async (user: { token: string }): Promise<RawSocket> => {
  const socket = await connectRaw(server.url, { token: user.token })
  sockets.push(socket)
  return socket
}

const join = (socket: RawSocket, docId: string, doc = new Y.Doc()) =>
  socket.emitWithAck('doc:join', { docId, stateVector: Y.encodeStateVector(doc) })

/** A document joined over `socket`, kept in step with what the server sends. */
const joinedDoc = async (socket: RawSocket, docId: string) => {
  const doc = new Y.Doc()
  const result = await join(socket, docId, doc)
  if (!result.ok) throw new Error(`join failed: ${result.error.message}`)
  Y.applyUpdate(doc, result.update, 'remote')
  socket.on('doc:update', (id, update) => {
    if (id === docId) Y.applyUpdate(doc, update, 'remote')
  })
  return { doc, role: result.role }
}

/** An update that renames the element, made on top of `doc`. */
const rename = (doc: Y.Doc, name: string): Uint8Array => {
  const before = Y.encodeStateVector(doc)
  const text = getFields(doc).get('name') as Y.Text
  doc.transact(() => {
    text.delete(0, text.length)
    text.insert(0, name)
  })
  return Y.encodeStateAsUpdate(doc, before)
}

const nextDocError = (socket: RawSocket, docId: string, withinMs = 1000) =>
  new Promise<ErrorPayload>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no doc:error within ${withinMs} ms`)),
      withinMs,
    )
    socket.on('doc:error', (id, error) => {
      if (id !== docId) return
      clearTimeout(timer)
      resolve(error)
    })
  })

const serverName = () =>
  (getFields(server.app.registry.get(element.id)!.doc).get('name') as Y.Text).toString()

beforeAll(async () => {
  server = await startTestServer()
  ;[editor, viewer, outsider] = await Promise.all([
    registerUser(server.url),
    registerUser(server.url),
    registerUser(server.url),
  ])
  world = await createWorld(server, 'Aster')
  element = await createElement(server, world.id, { kind: 'character', name: 'Ilse' })
  await addMember(server, world.id, editor.username, 'editor')
  await addMember(server, world.id, viewer.username, 'viewer')
})

afterAll(async () => {
  for (const socket of sockets) socket.close()
  await server.close()
})

describe('HTTP', () => {
  it('lists only the worlds the caller is a member of, with their role', async () => {
    const mine = await createWorld(as(outsider), 'Private')
    expect((await listWorlds(as(outsider))).map((w) => w.id)).toEqual([mine.id])
    expect(await listWorlds(as(viewer))).toEqual([{ ...world, role: 'viewer' }])
    expect((await listWorlds(server)).map((w) => w.id)).not.toContain(mine.id)
  })

  it('answers a non-member the same for an existing and an unknown world or element', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000'
    for (const [real, fake] of [
      [`/api/worlds/${world.id}`, `/api/worlds/${unknown}`],
      [`/api/worlds/${world.id}/elements`, `/api/worlds/${unknown}/elements`],
      [`/api/worlds/${world.id}/members`, `/api/worlds/${unknown}/members`],
      [`/api/elements/${element.id}`, `/api/elements/${unknown}`],
    ] as const) {
      const a = await request(as(outsider), 'GET', real)
      const b = await request(as(outsider), 'GET', fake)
      expect(a.status).toBe(403)
      expect(JSON.stringify(a).replaceAll(world.id, 'ID').replaceAll(element.id, 'ID')).toBe(
        JSON.stringify(b).replaceAll(unknown, 'ID'),
      )
    }
  })

  it('lets viewers read but not write', async () => {
    expect((await request(as(viewer), 'GET', `/api/elements/${element.id}`)).status).toBe(200)
    const create = await request(as(viewer), 'POST', `/api/worlds/${world.id}/elements`, {
      kind: 'note',
      name: 'Sneaky',
    })
    expect(create.status).toBe(403)
    expect(create.body).toMatchObject({ error: { code: 'read-only' } })
    const remove = await request(as(viewer), 'DELETE', `/api/elements/${element.id}`)
    expect(remove.body).toMatchObject({ error: { code: 'read-only' } })
  })

  it('lets only owners manage members, and never leaves a world without an owner', async () => {
    const byEditor = await request(as(editor), 'POST', `/api/worlds/${world.id}/members`, {
      username: outsider.username,
      role: 'editor',
    })
    expect(byEditor.body).toMatchObject({ error: { code: 'forbidden' } })
    const demoteLastOwner = await request(
      server,
      'PATCH',
      `/api/worlds/${world.id}/members/${server.user.id}`,
      { role: 'editor' },
    )
    expect(demoteLastOwner.body).toMatchObject({ error: { code: 'conflict' } })
    const leaveAsLastOwner = await request(
      server,
      'DELETE',
      `/api/worlds/${world.id}/members/${server.user.id}`,
    )
    expect(leaveAsLastOwner.status).toBe(409)
  })

  it('adds by username, changes roles and removes members', async () => {
    const scratch = await createWorld(server, 'Scratch')
    const member = await registerUser(server.url)
    expect(await addMember(server, scratch.id, member.username, 'viewer')).toMatchObject({
      userId: member.user.id,
      role: 'viewer',
    })
    expect(
      (
        await request(server, 'POST', `/api/worlds/${scratch.id}/members`, {
          username: member.username,
          role: 'editor',
        })
      ).status,
    ).toBe(409)
    expect(await changeRole(server, scratch.id, member.user.id, 'editor')).toMatchObject({
      role: 'editor',
    })
    await removeMember(server, scratch.id, member.user.id)
    expect((await listMembers(server, scratch.id)).map((m) => m.userId)).toEqual([server.user.id])
    expect((await request(as(member), 'GET', `/api/worlds/${scratch.id}`)).status).toBe(403)
  })

  it('joins by invite link with the link’s role, and never demotes', async () => {
    const scratch = await createWorld(server, 'Invited')
    const invite = await createInvite(server, scratch.id, 'editor')
    expect(invite.url).toBe(`/invite/${invite.token}`)
    const guest = await registerUser(server.url)
    expect((await acceptInvite(as(guest), invite.token)).world).toMatchObject({
      id: scratch.id,
      role: 'editor',
    })
    const viewerLink = await createInvite(server, scratch.id, 'viewer')
    expect((await acceptInvite(as(guest), viewerLink.token)).world.role).toBe('editor')
    expect((await acceptInvite(server, viewerLink.token)).world.role).toBe('owner')
    const bad = await request(as(guest), 'POST', '/api/invites/..%2F..%2Fetc/accept')
    expect(bad.body).toMatchObject({ error: { code: 'invalid-request' } })
    const unknown = await request(as(guest), 'POST', `/api/invites/${'A'.repeat(32)}/accept`)
    expect(unknown.status).toBe(404)
    const byViewer = await request(as(viewer), 'POST', `/api/worlds/${world.id}/invites`, {
      role: 'owner',
    })
    expect(byViewer.status).toBe(403)
  })
})

describe('sockets', () => {
  it('refuses a non-member joining an element exactly as it refuses an unknown element', async () => {
    const socket = await open(outsider)
    const roomsBefore = server.app.registry.size
    const unknown = '00000000-0000-4000-8000-000000000000'
    const real = await join(socket, element.id)
    const fake = await join(socket, unknown)
    expect(real).toMatchObject({ ok: false, error: { code: 'forbidden' } })
    expect(JSON.stringify(real).replaceAll(element.id, 'ID')).toBe(
      JSON.stringify(fake).replaceAll(unknown, 'ID'),
    )
    expect(server.app.registry.size).toBe(roomsBefore)
    const subscribe = await socket.emitWithAck('world:subscribe', world.id)
    expect(subscribe).toMatchObject({ ok: false, error: { code: 'forbidden' } })
  })

  it('gives viewers the document and presence, and answers their updates read-only', async () => {
    const ownerSocket = await open(server)
    const owner = await joinedDoc(ownerSocket, element.id)
    const relayed: Uint8Array[] = []
    ownerSocket.on('doc:update', (_id, update) => relayed.push(update))
    const viewerSocket = await open(viewer)
    // The same socket is an editor of another world's element.
    const elsewhere = await createWorld(server, 'Elsewhere')
    const other = await createElement(server, elsewhere.id)
    await addMember(server, elsewhere.id, viewer.username, 'editor')

    const reader = await joinedDoc(viewerSocket, element.id)
    expect(reader.role).toBe('viewer')
    expect((getFields(reader.doc).get('name') as Y.Text).toString()).toBe(serverName())
    const writable = await joinedDoc(viewerSocket, other.id)
    expect(writable.role).toBe('editor')

    const rowsBefore = await server.app.store.countUpdates(element.id)
    const before = serverName()
    const refused = await viewerSocket.emitWithAck(
      'doc:update',
      element.id,
      rename(reader.doc, 'Hacked'),
    )
    expect(refused).toMatchObject({ ok: false, error: { code: 'read-only' } })
    const chunk = await viewerSocket.emitWithAck('doc:update-chunk', element.id, {
      transferId: 't',
      index: 0,
      total: 1,
      data: rename(reader.doc, 'Hacked again'),
    })
    expect(chunk).toMatchObject({ ok: false, error: { code: 'read-only' } })
    expect(
      await viewerSocket.emitWithAck('doc:update', other.id, rename(writable.doc, 'Mine')),
    ).toEqual({ ok: true })

    // Nothing applied, stored or broadcast; the owner's own edit goes through.
    expect(
      await ownerSocket.emitWithAck('doc:update', element.id, rename(owner.doc, 'Ilse V.')),
    ).toEqual({ ok: true })
    expect(serverName()).toBe('Ilse V.')
    expect(before).not.toContain('Hacked')
    expect(await server.app.store.countUpdates(element.id)).toBe(rowsBefore + 1)
    expect(relayed).toHaveLength(0)
  })

  it('applies a demotion to open sockets within a second, then read-only on rejoin', async () => {
    const member = await registerUser(server.url)
    await addMember(server, world.id, member.username, 'editor')
    const socket = await open(member)
    const { doc } = await joinedDoc(socket, element.id)
    expect(await socket.emitWithAck('doc:update', element.id, rename(doc, 'Before'))).toEqual({
      ok: true,
    })
    const ejected = nextDocError(socket, element.id)
    await changeRole(server, world.id, member.user.id, 'viewer')
    expect((await ejected).code).toBe('read-only')
    expect(await socket.emitWithAck('doc:update', element.id, rename(doc, 'After'))).toMatchObject({
      ok: false,
      error: { code: 'not-joined' },
    })
    expect((await join(socket, element.id)).ok && 'viewer').toBe('viewer')
    expect(await socket.emitWithAck('doc:update', element.id, rename(doc, 'After'))).toMatchObject({
      error: { code: 'read-only' },
    })
    // A promotion applies in place: the open socket may write at once. Its refused edits are still
    // in its document, so it sends what the server lacks, as its next handshake would.
    const told = new Promise<string>((resolve) =>
      socket.once('doc:role', (id, role) => resolve(`${id}:${role}`)),
    )
    await changeRole(server, world.id, member.user.id, 'editor')
    // The open socket is told, so a client can become editable at once.
    expect(await told).toBe(`${element.id}:editor`)
    rename(doc, 'Promoted')
    const serverVector = server.app.registry.get(element.id)!.encodeStateVector()
    const diff = Y.encodeStateAsUpdate(doc, serverVector)
    expect(await socket.emitWithAck('doc:update', element.id, diff)).toEqual({ ok: true })
    expect(serverName()).toBe('Promoted')
  })

  it('keeps the collab client’s role current: a demotion rejoins as viewer, a promotion re-enables writing', async () => {
    const member = await registerUser(server.url)
    await addMember(server, world.id, member.username, 'editor')
    const client = authedClient(server.url, member.token, { forceNew: true })
    onTestFinished(() => client.destroy())
    const session = client.open(element.id)
    const roleIs = (role: string) =>
      until(`role ${role}`, () => session.state.role === role, onEvent(session, 'state'), 1000)
    await roleIs('editor')

    await changeRole(server, world.id, member.user.id, 'viewer')
    await roleIs('viewer')
    expect(session.state.error).toBeNull()
    // Written while a viewer: kept locally, never sent.
    const name = getFields(session.doc).get('name') as Y.Text
    name.insert(name.length, ' (seen by a viewer)')
    expect(serverName()).not.toContain('(seen by a viewer)')

    await changeRole(server, world.id, member.user.id, 'editor')
    await roleIs('editor')
    // Rejoining carried what the server lacked, as a handshake does.
    await session.whenSaved()
    expect(serverName()).toContain('(seen by a viewer)')
  })

  it('applies a removal to open sockets within a second: documents and world index', async () => {
    const member = await registerUser(server.url)
    await addMember(server, world.id, member.username, 'editor')
    const socket = await open(member)
    await joinedDoc(socket, element.id)
    expect((await socket.emitWithAck('world:subscribe', world.id)).ok).toBe(true)
    const created: string[] = []
    socket.on('element:created', (e) => created.push(e.id))
    const ejected = nextDocError(socket, element.id)
    await removeMember(server, world.id, member.user.id)
    expect((await ejected).code).toBe('forbidden')
    const after = await createElement(server, world.id, { kind: 'note', name: 'Secret' })
    // The owner's own subscription proves the event was sent; the removed member got none.
    expect(created).not.toContain(after.id)
    expect(await join(socket, element.id)).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    })
  })

  it('stamps presence with the sender’s account, whatever the client claims', async () => {
    const ownerSocket = await open(server)
    await joinedDoc(ownerSocket, element.id)
    const editorSocket = await open(editor)
    const { doc } = await joinedDoc(editorSocket, element.id)
    const seen = new Awareness(new Y.Doc())
    const received = new Promise<void>((resolve) =>
      ownerSocket.on('awareness:update', (id, update) => {
        if (id !== element.id) return
        applyAwarenessUpdate(seen, update, 'remote')
        if (seen.getStates().has(doc.clientID)) resolve()
      }),
    )
    const awareness = new Awareness(doc)
    awareness.setLocalState({
      user: { id: server.user.id, name: server.user.username, color: 'red' },
      cursor: { anchor: 1 },
    })
    editorSocket.emit(
      'awareness:update',
      element.id,
      encodeAwarenessUpdate(awareness, [doc.clientID]),
    )
    await received
    expect(seen.getStates().get(doc.clientID)).toEqual({
      user: { id: editor.user.id, name: editor.username, color: editor.user.color },
      cursor: { anchor: 1 },
    })
    awareness.destroy()
  })

  it('refuses updates written under a Yjs client id another person is using', async () => {
    const ownerSocket = await open(server)
    const owner = await joinedDoc(ownerSocket, element.id)
    const upd = rename(owner.doc, 'Owned')
    expect(await ownerSocket.emitWithAck('doc:update', element.id, upd)).toEqual({ ok: true })

    const editorSocket = await open(editor)
    const forger = await joinedDoc(editorSocket, element.id)
    forger.doc.clientID = owner.doc.clientID
    const rowsBefore = await server.app.store.countUpdates(element.id)
    const forged = await editorSocket.emitWithAck(
      'doc:update',
      element.id,
      rename(forger.doc, 'Forged'),
    )
    expect(forged).toMatchObject({ ok: false, error: { code: 'forbidden' } })
    expect(serverName()).toBe('Owned')
    expect(await server.app.store.countUpdates(element.id)).toBe(rowsBefore)

    // The same person on a second socket (a reconnect before the old one timed out) may go on.
    const again = await open(server)
    const resumed = await joinedDoc(again, element.id)
    resumed.doc.clientID = owner.doc.clientID
    expect(
      await again.emitWithAck('doc:update', element.id, rename(resumed.doc, 'Resumed')),
    ).toEqual({ ok: true })
  })
})
