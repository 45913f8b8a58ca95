/**
 * Large offline state: a client makes 5 MB of edits offline and reconnects to a server whose
 * message limit is the default 1 MB. The provider sends the handshake diff as `doc:update-chunk`
 * pieces; it syncs completely on the first reconnect, and a fresh client receives all of it.
 */
import { randomBytes } from 'node:crypto'
import * as Y from 'yjs'
import { afterEach, describe, expect, it } from 'vitest'
import { createElement, createWorld } from '../helpers/api-client.ts'
import { onEvent, until } from '../helpers/events.ts'
import { startTestServer } from '../helpers/test-server.ts'
import { getAttributes } from '../../shared/element-doc.ts'
import { MAX_MESSAGE_BYTES } from '../../shared/limits.ts'
import { TokenWriter } from './support/tokens.ts'

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

describe('large offline state', () => {
  it('5 MB of offline edits sync over a 1 MB message limit with one reconnect', async () => {
    const server = await startTestServer({ compactAfterRows: 3 })
    cleanup.push(() => server.close())
    const world = await createWorld(server)
    const element = await createElement(server, world.id)
    const writer = new TokenWriter('offline', server.url, element.id, server.token)
    cleanup.push(() => writer.destroy())
    await writer.session.whenSynced()

    writer.client.disconnect()
    await until(
      'offline',
      () => writer.client.status === 'disconnected',
      onEvent(writer.client, 'status'),
    )
    const attributes = getAttributes(writer.session.doc)
    for (let n = 0; n < 54; n++) {
      // 100 KB each, incompressible: 5 MB of document, well over one message.
      attributes.set(`big-${n}`, new Y.Text(randomBytes(50 * 1024).toString('hex')))
    }
    const offline = Y.encodeStateAsUpdate(writer.session.doc)
    expect(offline.byteLength).toBeGreaterThan(5 * MAX_MESSAGE_BYTES)

    let connects = 0
    let disconnects = 0
    writer.client.socket.on('connect', () => (connects += 1))
    writer.client.socket.on('disconnect', () => (disconnects += 1))
    writer.client.connect()
    await until(
      'reconnected',
      () => writer.client.status === 'connected',
      onEvent(writer.client, 'status'),
    )
    await writer.session.whenSaved()
    expect({ connects, disconnects }).toEqual({ connects: 1, disconnects: 0 })
    expect(writer.session.state.error).toBeNull()

    const reader = new TokenWriter('reader', server.url, element.id, server.token)
    cleanup.push(() => reader.destroy())
    await reader.session.whenSynced()
    expect(getAttributes(reader.session.doc).toJSON()).toEqual(attributes.toJSON())
  })
})
