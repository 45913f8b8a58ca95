/**
 * Kill -9 under load: clients stream unique tokens and record every acknowledgement while a
 * supervisor SIGKILLs the real server process at random moments (commits run back to back, so
 * many kills land inside one) and restarts it on the same data. After each kill the database is
 * read straight from the file: every token acknowledged so far is there, none that was never
 * sent, none twice. At the end a fresh client, the writers and the file all agree.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createElement, createWorld } from '../helpers/api-client.ts'
import { anyOf, onEvent, until } from '../helpers/events.ts'
import { makeTempDir, type TempDir } from '../helpers/temp-dir.ts'
import { databaseFile } from '../../server/lifecycle/data-dir.ts'
import {
  killHard,
  signInOwner,
  startChildServer,
  type RunningServer,
} from './support/child-server.ts'
import { integrityCheck, readDocument } from './support/database.ts'
import { freePort } from './support/ports.ts'
import { extended, seededRandom } from './support/seed.ts'
import { CLEAN_AUDIT, TokenWriter, auditTokens, readTokens } from './support/tokens.ts'

const CLIENTS = extended ? 8 : 3
const TOKENS = extended ? 5000 : 500
const KILLS = extended ? 30 : 5

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

const union = (sets: Iterable<ReadonlySet<string>>): Set<string> => {
  const all = new Set<string>()
  for (const set of sets) for (const token of set) all.add(token)
  return all
}

describe('kill -9 under load', () => {
  it(
    `${CLIENTS} clients × ${TOKENS} tokens × ${KILLS} kills: lost = ∅, none invented, none twice`,
    { timeout: extended ? 900_000 : 120_000 },
    async () => {
      const random = seededRandom('tests/reliability/kill-9.test.ts')
      const dir: TempDir = await makeTempDir('loresync-kill-')
      cleanup.push(() => dir.remove())
      const port = await freePort()
      // Compaction every few rows, so kills also land between a snapshot and its log deletion.
      const start = () =>
        startChildServer({ port, dataDir: dir.path, env: { COMPACT_AFTER_ROWS: '7' } })
      let server: RunningServer = await start()
      cleanup.push(() => killHard(server))

      const owner = await signInOwner(server.url)
      const world = await createWorld(owner)
      const element = await createElement(owner, world.id)
      const writers = Array.from(
        { length: CLIENTS },
        (_, n) => new TokenWriter(`c${n}`, server.url, element.id, owner.token),
      )
      cleanup.push(() => writers.forEach((writer) => writer.destroy()))

      // Each writer inserts 1–3 tokens, then waits for them to be saved (across reconnects).
      // When its connection drops it keeps writing a little offline: the next handshake carries it.
      const writing = writers.map(async (writer) => {
        while (writer.sent.size < TOKENS) {
          writer.insert(Math.min(random.int(1, 3), TOKENS - writer.sent.size))
          if (writer.client.status === 'connected') await writer.save()
          else
            await until(
              'reconnect',
              () => writer.client.status === 'connected',
              onEvent(writer.client, 'status'),
              30_000,
            )
        }
        await writer.save()
      })
      const failed = Promise.all(writing).then(
        () => undefined,
        (error: unknown) => error,
      )

      const file = databaseFile(dir.path)
      const afterKills: { kill: number; acked: number; stored: number }[] = []
      for (let kill = 0; kill < KILLS; kill++) {
        // Spread the kills over the load: wait for a share of the acknowledgements, then a random
        // delay (the point here: it decides where in the write path the kill lands).
        const target = Math.floor(((kill + 1) * CLIENTS * TOKENS) / (KILLS + 2))
        await until(
          `${target} acknowledgements`,
          () => writers.reduce((sum, writer) => sum + writer.acked.size, 0) >= target,
          anyOf(...writers.map((writer) => onEvent(writer.session, 'state'))),
          60_000,
        )
        await new Promise((resolve) => setTimeout(resolve, random.int(0, 40)))
        await killHard(server)
        const acked = union(writers.map((writer) => writer.acked))
        const sent = union(writers.map((writer) => writer.sent))
        const { doc, pending } = readDocument(file, element.id)
        const content = readTokens(doc)
        doc.destroy()
        expect(pending, `kill ${kill}: pending structs in the file`).toBe(false)
        expect(auditTokens(content, sent, acked), `after kill ${kill}`).toEqual(CLEAN_AUDIT)
        afterKills.push({ kill, acked: acked.size, stored: content.items.length })
        server = await start()
      }

      const error = await failed
      if (error) throw error
      const sent = union(writers.map((writer) => writer.sent))
      const acked = union(writers.map((writer) => writer.acked))
      expect(acked.size).toBe(CLIENTS * TOKENS)

      const reader = new TokenWriter('reader', server.url, element.id, owner.token)
      cleanup.push(() => reader.destroy())
      await reader.session.whenSynced()
      const final = readTokens(reader.session.doc)
      expect(auditTokens(final, sent, acked)).toEqual(CLEAN_AUDIT)
      for (const writer of writers) {
        expect(readTokens(writer.session.doc), writer.name).toEqual(final)
      }

      await killHard(server)
      expect(integrityCheck(file)).toBe('ok')
      const stored = readDocument(file, element.id)
      expect(stored.pending).toBe(false)
      expect(readTokens(stored.doc)).toEqual(final)
      stored.doc.destroy()
      console.log(`kill -9: seed ${random.seed}, acked/stored after each kill`, afterKills)
    },
  )
})
