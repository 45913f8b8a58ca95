/**
 * Slow, then failing storage: every write takes 500 ms, then every write fails for 2 s. Clients
 * keep writing and one leaves mid-outage. No room is unloaded with a write pending, a failed write
 * is never acknowledged (each acknowledgement is checked against the file the moment it arrives)
 * and is retried, at most one write per document runs at a time, and nothing is lost.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createElement, createWorld } from '../helpers/api-client.ts'
import { onEvent, until } from '../helpers/events.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'
import { databaseFile } from '../../server/lifecycle/data-dir.ts'
import { openSqliteStore } from '../../server/storage/sqlite/sqlite-store.ts'
import { readDocument } from './support/database.ts'
import { faultyStore, type FaultyStore } from './support/faulty-store.ts'
import { RawClient } from './support/raw-client.ts'
import { CLEAN_AUDIT, TokenWriter, auditTokens, readTokens } from './support/tokens.ts'

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

describe('slow and failing storage', () => {
  it('500 ms latency, then 2 s of failures: nothing acked early, lost, unloaded or doubled up', async () => {
    let faulty: FaultyStore | undefined
    const server: TestServer = await startTestServer({
      compactAfterRows: 3,
      store: (dataDir) => {
        faulty = faultyStore(openSqliteStore({ file: databaseFile(dataDir), synchronous: 'full' }))
        return faulty.store
      },
    })
    cleanup.push(() => server.close())
    const faults = faulty!
    faults.watchRooms((docId) => server.app.registry.get(docId) !== undefined)
    const file = databaseFile(server.dataDir)
    const world = await createWorld(server)
    const element = await createElement(server, world.id)

    // Each acknowledgement is checked against the file the moment it arrives.
    const ackedButMissing: string[] = []
    const stored = () => new Set(readTokens(readDocument(file, element.id).doc).items)
    const steady = new RawClient('steady', server.url, element.id, server.token)
    const leaving = new RawClient('leaving', server.url, element.id, server.token)
    for (const raw of [steady, leaving]) {
      cleanup.push(() => raw.close())
      raw.onAck = (token) => {
        if (!stored().has(token)) ackedButMissing.push(token)
      }
      await raw.join()
    }
    const writer = new TokenWriter('writer', server.url, element.id, server.token)
    cleanup.push(() => writer.destroy())
    await writer.session.whenSynced()

    faults.plan.latencyMs = 500
    for (let n = 0; n < 5; n++) {
      steady.send()
      leaving.send()
      writer.insert(1)
    }
    await until(
      'slow acknowledgements',
      () => steady.acked.size === 5,
      (check) => {
        steady.onAck = (token) => {
          if (!stored().has(token)) ackedButMissing.push(token)
          check()
        }
        return () => {}
      },
    )

    faults.plan.failUntil = Date.now() + 2000
    for (let n = 0; n < 5; n++) {
      steady.send()
      leaving.send()
      writer.insert(1)
    }
    // Leave while those writes are failing (the room relayed them, so it has them): the room must
    // stay until they are stored.
    await until(
      "the leaving client's updates relayed",
      () => readTokens(steady.doc).items.filter((t) => t.startsWith('t:leaving:')).length === 10,
      onEvent(steady.doc, 'update'),
    )
    leaving.close()
    writer.client.disconnect()
    writer.insert(3)
    writer.client.connect()
    await until(
      'every steady update acknowledged',
      () => steady.acked.size === 10,
      (check) => {
        steady.onAck = (token) => {
          if (!stored().has(token)) ackedButMissing.push(token)
          check()
        }
        return () => {}
      },
      20_000,
    )
    await until(
      'reconnected',
      () => writer.client.status === 'connected',
      onEvent(writer.client, 'status'),
    )
    await writer.save()
    faults.plan.latencyMs = 0

    expect(faults.failures).toBeGreaterThan(0)
    expect(ackedButMissing).toEqual([])
    expect(faults.unloadedDuringWrite).toEqual([])
    expect(faults.maxPerDocument).toBe(1)
    expect(Object.fromEntries(steady.refused)).toEqual({})
    // What `leaving` sent before it left was stored anyway: its updates reached the room.
    const sent = new Set([...steady.sent, ...leaving.sent, ...writer.sent])
    const acked = new Set([...steady.acked, ...writer.acked])
    const content = readTokens(readDocument(file, element.id).doc)
    expect(auditTokens(content, sent, acked)).toEqual(CLEAN_AUDIT)
    expect(content.items.filter((token) => token.startsWith('t:leaving:'))).toHaveLength(10)
  })
})
