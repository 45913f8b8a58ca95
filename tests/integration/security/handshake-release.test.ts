/**
 * An authenticated socket does not keep its credentials: the token in `auth`, the session cookie
 * among the headers, and the engine.io request that carried them are let go once it is in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
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
})
