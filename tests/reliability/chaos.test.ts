/**
 * Chaos over real sockets: three provider clients reach the server through a proxy that delays
 * every chunk 0–200 ms and cuts connections at random, while each client also sends a fifth of
 * its updates twice (our reading of "duplicates": a duplicated TCP segment would break WebSocket
 * framing, so duplication is done where a real network can cause it, as repeated messages — the
 * same happens when a client resends after a reconnect). After healing, every client has the same
 * content and state vector, and the database agrees.
 */
import * as Y from 'yjs'
import { afterEach, describe, expect, it } from 'vitest'
import { createElement, createWorld } from '../helpers/api-client.ts'
import { onEvent, until } from '../helpers/events.ts'
import { startTestServer } from '../helpers/test-server.ts'
import { databaseFile } from '../../server/lifecycle/data-dir.ts'
import { startChaosProxy } from './support/chaos-proxy.ts'
import { readDocument } from './support/database.ts'
import { extended, seededRandom } from './support/seed.ts'
import { CLEAN_AUDIT, TokenWriter, auditTokens, readTokens } from './support/tokens.ts'

const CLIENTS = 3
const TOKENS = extended ? 1000 : 120

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

describe('chaos over real sockets', () => {
  it(
    `${CLIENTS} clients × ${TOKENS} tokens through delays, drops and duplicates converge`,
    { timeout: extended ? 600_000 : 90_000 },
    async () => {
      const random = seededRandom('tests/reliability/chaos.test.ts')
      const server = await startTestServer({ compactAfterRows: 3 })
      cleanup.push(() => server.close())
      const world = await createWorld(server)
      const element = await createElement(server, world.id)
      const proxy = await startChaosProxy({
        target: server.port,
        random,
        maxDelayMs: 200,
        dropAfterMs: [300, 1500],
      })
      cleanup.push(() => proxy.close())

      let duplicates = 0
      const writers = Array.from({ length: CLIENTS }, (_, n) => {
        const writer = new TokenWriter(`c${n}`, proxy.url, element.id, server.token)
        const socket = writer.client.socket as unknown as { emit: (...args: unknown[]) => unknown }
        const emit = socket.emit.bind(socket)
        socket.emit = (...args: unknown[]) => {
          if (args[0] === 'doc:update' && random.bool(0.2)) {
            duplicates += 1
            emit(args[0], args[1], args[2], () => {})
          }
          return emit(...args)
        }
        return writer
      })
      cleanup.push(() => writers.forEach((writer) => writer.destroy()))

      await Promise.all(
        writers.map(async (writer) => {
          while (writer.sent.size < TOKENS) {
            writer.insert(random.int(1, 2))
            // Saved, or the connection changed: either way, write on (offline edits ride the
            // next handshake).
            const saved = writer.save()
            const dropped = new Promise((resolve) => writer.client.once('status', resolve))
            await Promise.race([saved, dropped])
          }
        }),
      )
      proxy.heal()
      // Connections opened before healing may still be cut by the drops already scheduled; each
      // client then reconnects through the healed proxy.
      for (const writer of writers) {
        await until(
          'connected',
          () => writer.client.status === 'connected',
          onEvent(writer.client, 'status'),
          20_000,
        )
        await writer.save()
      }
      const sent = new Set(writers.flatMap((writer) => [...writer.sent]))
      const reader = new TokenWriter('reader', server.url, element.id, server.token)
      cleanup.push(() => reader.destroy())
      await reader.session.whenSynced()
      const final = readTokens(reader.session.doc)
      expect(auditTokens(final, sent, sent)).toEqual(CLEAN_AUDIT)
      const vector = Y.encodeStateVector(reader.session.doc)
      for (const writer of writers) {
        // Relayed updates may still be in the (healed) pipe: wait for the writer to catch up.
        await until(
          `${writer.name} converged`,
          () => readTokens(writer.session.doc).items.length === final.items.length,
          onEvent(writer.session.doc, 'update'),
          20_000,
        )
        expect(readTokens(writer.session.doc)).toEqual(final)
        expect(Y.encodeStateVector(writer.session.doc)).toEqual(vector)
      }
      const stored = readDocument(databaseFile(server.dataDir), element.id)
      expect(stored.pending).toBe(false)
      expect(readTokens(stored.doc)).toEqual(final)
      expect(Y.encodeStateVector(stored.doc)).toEqual(vector)
      console.log(
        `chaos: seed ${random.seed}, ${proxy.drops} connections cut, ${duplicates} duplicated updates`,
      )
    },
  )
})
