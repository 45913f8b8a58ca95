/**
 * Fixtures for real-socket sync tests. Each starts what it needs and registers its own teardown
 * with `onTestFinished` (which runs in reverse order: clients go before the server they talk to).
 * The waits resolve on events, never on timers.
 */
import { onTestFinished } from 'vitest'
import * as Y from 'yjs'
import type { CollabClient } from '../../client/collab/collab-client.ts'
import type { ElementSession } from '../../client/collab/element-session.ts'
import type { ConnectionStatus } from '../../client/collab/types.ts'
import { getFields } from '../../shared/element-doc.ts'
import type { StoredDocument } from '../../server/storage/store.ts'
import { authedClient } from './auth.ts'
import { onEvent, until } from './events.ts'
import { connectRaw, type RawSocket } from './raw-socket.ts'
import { makeTempDir, type TempDir } from './temp-dir.ts'
import { startTestServer, type TestServer, type TestServerOptions } from './test-server.ts'

/** Who a fixture connects as: a server's default user, or any `{url, token}`. */
export interface Account {
  readonly url: string
  readonly token: string
}

export const useServer = async (options: TestServerOptions = {}): Promise<TestServer> => {
  const server = await startTestServer(options)
  onTestFinished(() => server.close())
  return server
}

export const useTempDir = async (): Promise<TempDir> => {
  const dir = await makeTempDir()
  onTestFinished(() => dir.remove())
  return dir
}

/** A CollabClient on its own socket; it reconnects quickly so reconnect tests stay short. */
export const useClient = (account: Account): CollabClient => {
  const client = authedClient(account.url, account.token, {
    forceNew: true,
    reconnectionDelay: 50,
    reconnectionDelayMax: 200,
  })
  onTestFinished(() => client.destroy())
  return client
}

/** A bare socket for hand-made messages, connected. */
export const useRawSocket = async (account: Account): Promise<RawSocket> => {
  const socket = await connectRaw(account.url, { token: account.token })
  onTestFinished(() => {
    socket.close()
  })
  return socket
}

export const whenSynced = (session: ElementSession): Promise<void> =>
  until(`element ${session.docId} to sync`, () => session.synced, onEvent(session, 'state'), 20_000)

/** Synced, and every local change acknowledged (so it is durable on the server). */
export const whenSaved = (session: ElementSession, timeoutMs = 20_000): Promise<void> =>
  until(
    `element ${session.docId} to be saved`,
    () => session.synced && session.unsyncedChanges === 0,
    onEvent(session, 'state'),
    timeoutMs,
  )

export const whenStatus = (client: CollabClient, status: ConnectionStatus): Promise<void> =>
  until(`client status ${status}`, () => client.status === status, onEvent(client, 'status'))

/** Resolves once `condition(doc)` holds, re-checked on every update of the doc. */
export const whenDoc = (
  doc: Y.Doc,
  what: string,
  condition: (doc: Y.Doc) => boolean,
  timeoutMs = 20_000,
): Promise<void> => until(what, () => condition(doc), onEvent(doc, 'update'), timeoutMs)

/** The `fields.name` Y.Text; present once the document has synced (the server seeds it). */
export const nameText = (doc: Y.Doc): Y.Text => {
  const name = getFields(doc).get('name')
  if (!(name instanceof Y.Text)) throw new Error('fields.name is not a Y.Text: is the doc synced?')
  return name
}

export const summaryText = (doc: Y.Doc): Y.Text => {
  const summary = getFields(doc).get('summary')
  if (!(summary instanceof Y.Text)) throw new Error('fields.summary is not a Y.Text')
  return summary
}

/** Builds a document from what storage holds: snapshot first, then the log in order. */
export const rebuildFromStorage = (stored: StoredDocument): Y.Doc => {
  const doc = new Y.Doc()
  if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot)
  for (const update of stored.updates) Y.applyUpdate(doc, update)
  onTestFinished(() => doc.destroy())
  return doc
}

/** Counts how often `text` occurs in `haystack`. */
export const occurrences = (haystack: string, text: string): number =>
  haystack.split(text).length - 1
