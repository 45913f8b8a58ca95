/**
 * What a stranger or a broken client can throw at the server: foreign origins, no token, oversized
 * and malformed messages, bad ids, floods. Each is refused without harm to anyone else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness'
import type { ElementSummary, World } from '../../../shared/api.ts'
import { getFields } from '../../../shared/element-doc.ts'
import { createElement, createWorld, request } from '../../helpers/api-client.ts'
import { until } from '../../helpers/events.ts'
import { connectRaw, whenDisconnected, type RawSocket } from '../../helpers/raw-socket.ts'
import { startTestServer, type TestServer } from '../../helpers/test-server.ts'

let server: TestServer
let world: World
let element: ElementSummary
const sockets: RawSocket[] = []

const open = async (target: TestServer = server) => {
  const socket = await connectRaw(target.url, { token: target.token })
  sockets.push(socket)
  return socket
}

const joined = async (socket: RawSocket, docId: string) => {
  const doc = new Y.Doc()
  const result = await socket.emitWithAck('doc:join', {
    docId,
    stateVector: Y.encodeStateVector(doc),
  })
  if (!result.ok) throw new Error(result.error.message)
  Y.applyUpdate(doc, result.update)
  return doc
}

/** One local edit on `doc`, as the bytes a provider would send. */
const edit = (doc: Y.Doc, text: string): Uint8Array => {
  const before = Y.encodeStateVector(doc)
  ;(getFields(doc).get('summary') as Y.Text).insert(0, text)
  return Y.encodeStateAsUpdate(doc, before)
}

beforeAll(async () => {
  server = await startTestServer({ corsOrigins: 'http://good.example' })
  world = await createWorld(server)
  element = await createElement(server, world.id)
})

afterAll(async () => {
  for (const socket of sockets) socket.close()
  await server.close()
})

describe('origins', () => {
  it('refuses WebSocket upgrades from a foreign origin and accepts configured and own ones', async () => {
    await expect(
      connectRaw(server.url, { token: server.token, headers: { origin: 'http://evil.example' } }),
    ).rejects.toThrow()
    for (const origin of ['http://good.example', server.url]) {
      const socket = await connectRaw(server.url, { token: server.token, headers: { origin } })
      socket.close()
    }
  })

  it('refuses HTTP calls from a foreign origin, even with a valid session', async () => {
    const evil = await request(server, 'GET', '/api/worlds', undefined, {
      origin: 'http://evil.example',
    })
    expect(evil.status).toBe(403)
    expect(evil.body).toMatchObject({ error: { code: 'forbidden' } })
    const good = await request(server, 'GET', '/api/worlds', undefined, {
      origin: 'http://good.example',
    })
    expect(good.status).toBe(200)
  })
})

describe('authentication of sockets', () => {
  it('closes unauthenticated sockets at once, before any document state exists', async () => {
    const rooms = server.app.registry.size
    for (const token of [undefined, '', 'not-a-jwt', server.token.slice(0, -2) + 'xx']) {
      await expect(
        connectRaw(server.url, token === undefined ? {} : { token }),
      ).rejects.toMatchObject({
        data: { code: 'unauthenticated' },
      })
    }
    await until(
      'refused connections closed',
      () => server.app.io.engine.clientsCount === 0,
      (check) => {
        const timer = setInterval(check, 20)
        return () => clearInterval(timer)
      },
      1000,
    )
    expect(server.app.registry.size).toBe(rooms)
  })
})

describe('size limits', () => {
  it('refuses an update that would take a document past its cap; other documents go on', async () => {
    const capped = await startTestServer({ abuseLimits: { maxDocumentBytes: 64 * 1024 } })
    try {
      const w = await createWorld(capped)
      const [a, b] = await Promise.all([createElement(capped, w.id), createElement(capped, w.id)])
      const socket = await open(capped)
      const docA = await joined(socket, a.id)
      const docB = await joined(socket, b.id)
      const rows = await capped.app.store.countUpdates(a.id)
      const big = edit(docA, 'x'.repeat(100 * 1024))
      expect(await socket.emitWithAck('doc:update', a.id, big)).toMatchObject({
        ok: false,
        error: { code: 'too-large' },
      })
      expect(await capped.app.store.countUpdates(a.id)).toBe(rows)
      expect(await socket.emitWithAck('doc:update', b.id, edit(docB, 'fine'))).toEqual({ ok: true })
    } finally {
      await capped.close()
    }
  })

  it('refuses an oversized awareness state with too-large, and keeps the socket', async () => {
    const socket = await open()
    const doc = await joined(socket, element.id)
    const awareness = new Awareness(doc)
    awareness.setLocalState({ cursor: 'x'.repeat(16 * 1024) })
    const refused = new Promise((resolve) =>
      socket.once('doc:error', (_id, error) => resolve(error)),
    )
    socket.emit('awareness:update', element.id, encodeAwarenessUpdate(awareness, [doc.clientID]))
    expect(await refused).toMatchObject({ code: 'too-large' })
    expect(await socket.emitWithAck('doc:update', element.id, edit(doc, 'still here'))).toEqual({
      ok: true,
    })
    awareness.destroy()
  })
})

describe('ids and names', () => {
  const hostile: unknown[] = [
    '../../etc/passwd',
    '..%2F..%2Fetc%2Fpasswd',
    "1' OR '1'='1",
    "x'); DROP TABLE elements; --",
    'x'.repeat(100_000),
    '',
    42,
    null,
    { $gt: '' },
    ['a'],
  ]

  it('refuses hostile document and world ids on sockets with invalid-request', async () => {
    for (const docId of [...hostile, element.id.toUpperCase()]) {
      // A fresh socket each time: enough refusals in a row disconnect a socket (tested below).
      const socket = await open()
      const join = await socket.emitWithAck('doc:join', {
        docId: docId as string,
        stateVector: new Uint8Array([0]),
      })
      expect(join, String(docId).slice(0, 40)).toMatchObject({
        ok: false,
        error: { code: 'invalid-request' },
      })
      const subscribe = await socket.emitWithAck('world:subscribe', docId as string)
      expect(subscribe).toMatchObject({ ok: false, error: { code: 'invalid-request' } })
      socket.close()
    }
    const socket = await open()
    const wrongTypes = await socket.emitWithAck('doc:join', 'not an object' as never)
    expect(wrongTypes).toMatchObject({ ok: false, error: { code: 'invalid-request' } })
  })

  it('refuses hostile ids in paths and hostile names in bodies with invalid-request', async () => {
    for (const id of ['..%2F..%2Fetc%2Fpasswd', "1'%20OR%20'1'%3D'1", 'x'.repeat(5000), 'null']) {
      const response = await request(server, 'GET', `/api/elements/${id}`)
      // An over-long path is refused by the router itself (414), with the same error body.
      expect([400, 414], id.slice(0, 30)).toContain(response.status)
      expect(response.body).toMatchObject({ error: { code: 'invalid-request' } })
    }
    for (const name of ['', 'x'.repeat(201), 'bell\u0007', 42, null, { toString: 'x' }]) {
      const response = await request(server, 'POST', '/api/worlds', { name })
      expect(response.body).toMatchObject({ error: { code: 'invalid-request' } })
    }
    const notJson = await request(server, 'POST', '/api/worlds', '{"name": ', {
      'content-type': 'application/json',
    })
    expect(notJson.status).toBe(400)
  })

  it('stores SQL metacharacters in names verbatim (every statement is parameterised)', async () => {
    const name = "Robert'); DROP TABLE worlds; --"
    const created = await createWorld(server, name)
    const read = await request<World>(server, 'GET', `/api/worlds/${created.id}`)
    expect(read.body.name).toBe(name)
  })
})

describe('floods', () => {
  it('never limits typing, a paste, a burst of 500 updates or opening 100 elements', async () => {
    const socket = await open()
    const doc = await joined(socket, element.id)
    for (let i = 0; i < 30; i++) {
      expect(await socket.emitWithAck('doc:update', element.id, edit(doc, 'k'))).toEqual({
        ok: true,
      })
    }
    expect(
      await socket.emitWithAck('doc:update', element.id, edit(doc, 'p'.repeat(200_000))),
    ).toEqual({ ok: true })
    const burst = Array.from({ length: 500 }, () => edit(doc, 'b'))
    const acks = await Promise.all(
      burst.map((u) => socket.emitWithAck('doc:update', element.id, u)),
    )
    expect(acks.every((ack) => ack.ok)).toBe(true)
    const many = await Promise.all(
      Array.from({ length: 100 }, () => createElement(server, world.id)),
    )
    const joins = await Promise.all(
      many.map((e) =>
        socket.emitWithAck('doc:join', { docId: e.id, stateVector: new Uint8Array([0]) }),
      ),
    )
    expect(joins.every((join) => join.ok)).toBe(true)
    expect(socket.connected).toBe(true)
  })

  it('answers a sustained flood rate-limited, then disconnects the socket', async () => {
    const socket = await open()
    const doc = await joined(socket, element.id)
    const update = edit(doc, 'f')
    const codes = new Map<string, number>()
    const gone = whenDisconnected(socket)
    for (let i = 0; i < 2500; i++) {
      socket.emit('doc:update', element.id, update, (ack) => {
        const code = ack.ok ? 'ok' : ack.error.code
        codes.set(code, (codes.get(code) ?? 0) + 1)
      })
    }
    expect(await gone).toBe('io server disconnect')
    expect(codes.get('rate-limited')).toBeGreaterThan(0)
  })

  it('caps the documents one socket may have open', async () => {
    const small = await startTestServer({ abuseLimits: { maxOpenDocuments: 3 } })
    try {
      const w = await createWorld(small)
      const elements = await Promise.all([1, 2, 3, 4].map(() => createElement(small, w.id)))
      const socket = await open(small)
      for (const e of elements.slice(0, 3)) await joined(socket, e.id)
      const fourth = await socket.emitWithAck('doc:join', {
        docId: elements[3]!.id,
        stateVector: new Uint8Array([0]),
      })
      expect(fourth).toMatchObject({ ok: false, error: { code: 'rate-limited' } })
    } finally {
      await small.close()
    }
  })

  it('disconnects a socket after repeated malformed messages', async () => {
    const socket = await open()
    await joined(socket, element.id)
    const gone = whenDisconnected(socket)
    for (let i = 0; i < 25; i++) {
      socket.emit('doc:update', element.id, new Uint8Array([1, 2, 3, i]), () => {})
    }
    expect(await gone).toBe('io server disconnect')
  })
})
