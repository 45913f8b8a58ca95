/**
 * No duplicated content, and backups that can be restored:
 * - two clients open a brand-new element at the same instant: the seed (created once, on the
 *   server, with the element) appears once;
 * - `npm run backup` copies the live database while a client writes; `npm run restore` refuses
 *   while a server uses the folder, and restores once it is stopped;
 * - a client holding newer state than the restored server merges its edits (each once), and a
 *   client of an element the backup never had is refused with a clear `not-found`.
 */
import path from 'node:path'
import type * as Y from 'yjs'
import { afterEach, describe, expect, it } from 'vitest'
import { createElement, createWorld } from '../helpers/api-client.ts'
import { onEvent, until } from '../helpers/events.ts'
import { makeTempDir } from '../helpers/temp-dir.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'
import { getBody, getFields } from '../../shared/element-doc.ts'
import { readDocument, integrityCheck } from './support/database.ts'
import { npmRun } from './support/scripts.ts'
import { CLEAN_AUDIT, TokenWriter, auditTokens, readTokens } from './support/tokens.ts'
import { databaseFile } from '../../server/lifecycle/data-dir.ts'

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

const seedOf = (doc: Y.Doc) => ({
  name: String(getFields(doc).get('name')),
  paragraphs: getBody(doc).length,
})

describe('no duplicated content', () => {
  it('two clients opening a new element at the same instant see its seed once', async () => {
    const server = await startTestServer()
    cleanup.push(() => server.close())
    const world = await createWorld(server)
    const element = await createElement(server, world.id, { kind: 'location', name: 'Harbor' })
    const [a, b] = ['a', 'b'].map(
      (name) => new TokenWriter(name, server.url, element.id, server.token),
    )
    cleanup.push(() => [a, b].forEach((writer) => writer?.destroy()))
    await Promise.all([a!.session.whenSynced(), b!.session.whenSynced()])
    a!.insert(1)
    b!.insert(1)
    await Promise.all([a!.save(), b!.save()])
    const stored = readDocument(databaseFile(server.dataDir), element.id).doc
    for (const doc of [a!.session.doc, b!.session.doc, stored]) {
      expect(seedOf(doc)).toEqual({ name: 'Harbor', paragraphs: 1 })
    }
  })

  it(
    'backup while writing; restore refused while running; an older restore merges, never doubles',
    { timeout: 60_000 },
    async () => {
      const data = await makeTempDir('loresync-restore-')
      const backups = await makeTempDir('loresync-backups-')
      cleanup.push(
        () => data.remove(),
        () => backups.remove(),
      )
      let server: TestServer = await startTestServer({ dataDir: data.path, compactAfterRows: 3 })
      cleanup.push(() => server.close())
      const world = await createWorld(server)
      const element = await createElement(server, world.id)
      const writer = new TokenWriter('w', server.url, element.id, server.token)
      cleanup.push(() => writer.destroy())
      writer.insert(20)
      await writer.save()
      const ackedBeforeBackup = new Set(writer.acked)

      // The backup runs while the writer keeps writing.
      let writing = true
      const stream = (async () => {
        while (writing) {
          writer.insert(1)
          await writer.save()
        }
      })()
      const backup = path.join(backups.path, 'older.sqlite')
      const made = await npmRun('backup', [backup], data.path)
      writing = false
      await stream
      expect(made.code, made.stderr).toBe(0)
      expect(JSON.parse(made.stdout).backup).toMatchObject({
        elements: 1,
        schemaVersion: expect.any(Number),
      })
      expect(integrityCheck(backup)).toBe('ok')
      const inBackup = readTokens(readDocument(backup, element.id).doc)
      expect(auditTokens(inBackup, writer.sent, ackedBeforeBackup)).toEqual(CLEAN_AUDIT)

      const refused = await npmRun('restore', [backup], data.path)
      expect(refused.code).toBe(1)
      expect(refused.stderr).toMatch(/is using .*stop it, then restore/)

      // Newer state the backup lacks: more tokens, and an element created after the backup.
      writer.insert(10)
      await writer.save()
      const late = await createElement(server, world.id, { kind: 'item', name: 'Lantern' })
      const lateWriter = new TokenWriter('late', server.url, late.id, server.token)
      cleanup.push(() => lateWriter.destroy())
      lateWriter.insert(3)
      await lateWriter.save()

      await server.close()
      const restored = await npmRun('restore', [backup], data.path)
      expect(restored.code, restored.stderr).toBe(0)
      server = await startTestServer({ dataDir: data.path, port: server.port, compactAfterRows: 3 })

      // The writer reconnects by itself; its handshake sends what the restored server lacks.
      await until(
        'reconnected',
        () => writer.client.status === 'connected',
        onEvent(writer.client, 'status'),
        20_000,
      )
      await writer.save()
      const reader = new TokenWriter('reader', server.url, element.id, server.token)
      cleanup.push(() => reader.destroy())
      await reader.session.whenSynced()
      const merged = readTokens(reader.session.doc)
      expect(auditTokens(merged, writer.sent, writer.sent)).toEqual(CLEAN_AUDIT)
      expect(merged).toEqual(readTokens(writer.session.doc))
      expect(seedOf(reader.session.doc)).toEqual({ name: 'Aria', paragraphs: 1 })

      // The element the backup never had is refused with an error code, not silently recreated
      // (`forbidden` when access control will not say whether an element exists).
      await until(
        'late element refused',
        () => lateWriter.session.state.error !== null,
        onEvent(lateWriter.session, 'state'),
        20_000,
      )
      expect(['not-found', 'forbidden']).toContain(lateWriter.session.state.error?.code)
    },
  )
})
