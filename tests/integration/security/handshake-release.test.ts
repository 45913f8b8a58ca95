/**
 * An authenticated socket does not keep its credentials: the token in `auth`, the session cookie
 * among the headers, and the engine.io request that carried them are let go once it is in. Nor
 * what else an idle connection would carry for nothing (benchmark T3): the rest of the handshake
 * but its address, a listener array with spare room, a copy of its person's identity per
 * awareness state.
 */
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { onEvent, until } from '../../helpers/events.ts'
import { createElement, createWorld } from '../../helpers/api-client.ts'
import { connectRaw } from '../../helpers/raw-socket.ts'
import { startTestServer, type TestServer } from '../../helpers/test-server.ts'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(() => server.close())

describe('an authenticated socket', () => {
  it('keeps neither its token, its headers nor its HTTP request, and still works', async () => {
    const world = await createWorld(server)
    const element = await createElement(server, world.id, { kind: 'character', name: 'Ada' })
    const socket = await connectRaw(server.url, {
      token: server.token,
      headers: { cookie: server.cookie },
    })
    try {
      const [serverSide] = [...server.app.io.of('/').sockets.values()]
      if (!serverSide) throw new Error('the server holds no socket')
      expect(serverSide.handshake.auth).toEqual({})
      expect(serverSide.handshake.headers).toEqual({})
      expect(serverSide.conn.request).toBeNull()
      expect(serverSide.handshake.address).toBe('127.0.0.1')
      expect(serverSide.handshake.query).toEqual({})
      expect(serverSide.handshake.url).toBe('')
      expect(serverSide.handshake.time).toBe('')
      expect(serverSide.listenersAny()).toHaveLength(1)
      expect(serverSide.data.principal.user.id).toBe(server.user.id)
      const joined = await socket.emitWithAck('doc:join', {
        docId: element.id,
        stateVector: Y.encodeStateVector(new Y.Doc()),
      })
      expect(joined.ok).toBe(true)
      const subscribed = await socket.emitWithAck('world:subscribe', world.id)
      expect(subscribed.ok).toBe(true)
    } finally {
      socket.close()
    }
  })

  it("shares one identity object among its person's awareness states in every element", async () => {
    const world = await createWorld(server)
    const elements = [
      await createElement(server, world.id, { kind: 'character', name: 'Ada' }),
      await createElement(server, world.id, { kind: 'location', name: 'Harbour' }),
    ]
    // Two tabs of one session, each in its own element, each claiming some other name.
    const sockets = [
      await connectRaw(server.url, { token: server.token }),
      await connectRaw(server.url, { token: server.token }),
    ]
    try {
      const states = await Promise.all(
        elements.map(async (element, index) => {
          const socket = sockets[index]!
          const clientDoc = new Y.Doc()
          const joined = await socket.emitWithAck('doc:join', {
            docId: element.id,
            stateVector: Y.encodeStateVector(clientDoc),
          })
          expect(joined.ok).toBe(true)
          const awareness = new Awareness(clientDoc)
          awareness.setLocalState({ user: { name: `tab ${index}`, color: '#000000' }, cursor: 1 })
          socket.emit(
            'awareness:update',
            element.id,
            encodeAwarenessUpdate(awareness, [clientDoc.clientID]),
          )
          awareness.destroy()
          const room = server.app.registry.get(element.id)
          if (!room) throw new Error('the element is not loaded')
          const held = () => room.awareness.getStates().get(clientDoc.clientID)
          await until(
            'the presence to arrive',
            () => held() !== undefined,
            onEvent(room.awareness, 'change'),
          )
          return held()
        }),
      )
      const [first, second] = states.map((state) => state?.user as Record<string, unknown>)
      expect(first).toEqual({
        id: server.user.id,
        name: server.user.username,
        color: server.user.color,
      })
      expect(second).toBe(first)
    } finally {
      for (const socket of sockets) socket.close()
    }
  })
})
