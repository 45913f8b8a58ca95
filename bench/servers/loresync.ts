/**
 * Loresync under test: the real server (server/index.ts) in its own process, configured only by
 * its environment, with its own SQLite store in a temp data folder. Documents exist only once the
 * HTTP API created them, so bench names map to server-issued ids.
 */
import path from 'node:path'
import Database from 'better-sqlite3'
import * as Y from 'yjs'
import { CollabClient } from '../../client/collab/index.ts'
import { freePort } from '../lib/processes.ts'
import { waitFor, withTimeout } from '../lib/time.ts'
import { ServerProcess } from './server-process.ts'
import type { User } from '../../shared/api.ts'
import type { ServerAdapter, ServerHandle, ServerStartOptions } from './types.ts'

/** The directory key holding the world every bench element lives in. */
const WORLD_KEY = '\u0000world'

/** The directory keys holding the bench account, for servers that require signing in. */
const USER_KEY = '\u0000user'
const PASSWORD_KEY = '\u0000password'

const post = (url: string, body: unknown, token: string | null): Promise<Response> =>
  fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(body),
  })

const jsonOf = async (response: Response, what: string): Promise<Record<string, unknown>> => {
  if (!response.ok) throw new Error(`${what} → ${response.status}: ${await response.text()}`)
  const value: unknown = await response.json()
  if (typeof value !== 'object' || value === null) throw new Error(`${what} answered ${value}`)
  return value as Record<string, unknown>
}

const stringOf = (value: Record<string, unknown>, field: string, what: string): string => {
  const result = value[field]
  if (typeof result !== 'string') throw new Error(`${what} answered without ${field}`)
  return result
}

const stringField = async (response: Response, field: string, what: string): Promise<string> =>
  stringOf(await jsonOf(response, what), field, what)

const userOf = (value: unknown, what: string): User => {
  if (typeof value !== 'object' || value === null) throw new Error(`${what} answered without user`)
  const fields = value as Record<string, unknown>
  return {
    id: stringOf(fields, 'id', what),
    username: stringOf(fields, 'username', what),
    color: stringOf(fields, 'color', what),
  }
}

interface StoredRow {
  readonly rows: number
  readonly bytes: number
}

/** Reads Loresync's store file directly (read-only): what is on disk for one element. */
const readStored = (file: string, docId: string): StoredRow => {
  const db = new Database(file, { readonly: true, fileMustExist: true })
  try {
    const log = db
      .prepare<[string], { rows: number; bytes: number | null }>(
        'SELECT count(*) AS rows, sum(length(data)) AS bytes FROM doc_updates WHERE doc_id = ?',
      )
      .get(docId)
    const snapshot = db
      .prepare<[string], { bytes: number }>(
        'SELECT length(data) AS bytes FROM doc_snapshots WHERE doc_id = ?',
      )
      .get(docId)
    return { rows: log?.rows ?? 0, bytes: (log?.bytes ?? 0) + (snapshot?.bytes ?? 0) }
  } finally {
    db.close()
  }
}

export const loresyncServer: ServerAdapter = {
  name: 'loresync',
  async start(options: ServerStartOptions): Promise<ServerHandle> {
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    const server = await ServerProcess.spawn({
      script: 'bench/servers/loresync-server.ts',
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: options.dataDir,
        LOG_LEVEL: 'warn',
        SQLITE_SYNCHRONOUS: options.synchronous,
        NODE_ENV: 'production',
        STATIC_DIR: path.join(options.dataDir, 'no-static'),
        // Benchmarks measure capacity, not abuse handling: every client runs from 127.0.0.1 and
        // T1 opens 1,000 connections, T6 sends the whole trace through one socket.
        RATE_LIMIT_SOCKET_MESSAGES: '1000000000',
        RATE_LIMIT_ADDRESS_MESSAGES: '1000000000',
        RATE_LIMIT_CONNECTIONS: '1000000000',
      },
      ...(options.nodeFlags ? { nodeFlags: options.nodeFlags } : {}),
      readiness: { poll: `${url}/healthz` },
    })
    const { directory } = options
    const storeFile = path.join(options.dataDir, 'loresync.sqlite')
    const docId = (name: string): string => {
      const id = directory.get(name)
      if (id === undefined) throw new Error(`bench document ${name} was not prepared`)
      return id
    }
    // Builds that require signing in get one bench account (registered once per data folder,
    // signed in again after a restart); builds without accounts never see a 401.
    let token: string | null = null
    let account: User | null = null
    const signIn = async (): Promise<string> => {
      const registered = directory.has(USER_KEY)
      const username = directory.get(USER_KEY) ?? `bench${Date.now().toString(36)}`
      const password =
        directory.get(PASSWORD_KEY) ?? `bench-${Math.random().toString(36).slice(2)}-pw`
      directory.set(USER_KEY, username)
      directory.set(PASSWORD_KEY, password)
      const path = registered ? '/api/auth/login' : '/api/auth/register'
      const session = await jsonOf(await post(`${url}${path}`, { username, password }, null), path)
      account = userOf(session.user, path)
      return stringOf(session, 'token', path)
    }
    const createId = async (path: string, body: unknown): Promise<string> => {
      let response = await post(`${url}${path}`, body, token)
      if (response.status === 401) {
        token = await signIn()
        response = await post(`${url}${path}`, body, token)
      }
      return stringField(response, 'id', `POST ${path}`)
    }
    // After a restart on the same data, sign in again at once: clients may connect before any API call.
    if (directory.has(USER_KEY)) token = await signIn()
    const prepare = async (names: readonly string[]): Promise<void> => {
      let worldId = directory.get(WORLD_KEY)
      if (worldId === undefined) {
        worldId = await createId('/api/worlds', { name: 'bench' })
        directory.set(WORLD_KEY, worldId)
      }
      for (const name of names) {
        if (directory.has(name)) continue
        directory.set(
          name,
          await createId(`/api/worlds/${worldId}/elements`, { kind: 'note', name }),
        )
      }
    }
    const whenUnloaded = (name: string, timeoutMs: number): Promise<void> =>
      // Unloading compacts the log into the snapshot: an empty log means the room is gone.
      waitFor(
        () => readStored(storeFile, docId(name)).rows === 0,
        timeoutMs,
        `unloading ${name}`,
        20,
      )

    return {
      name: 'loresync',
      pid: server.pid,
      url,
      docId,
      get token() {
        return token
      },
      get account() {
        return account
      },
      prepare,
      async seed(entries) {
        await prepare(entries.map((entry) => entry.name))
        // Seeding goes through the real protocol: our own client pushes and waits for the acks.
        const client = new CollabClient({
          url,
          options: { forceNew: true, ...(token === null ? {} : { auth: { token } }) },
        })
        try {
          const sessions = entries.map((entry) => {
            const session = client.open(docId(entry.name))
            Y.applyUpdate(session.doc, entry.update)
            return session
          })
          await withTimeout(
            Promise.all(sessions.map((session) => session.whenSaved())),
            120_000,
            'seeding loresync',
          )
        } finally {
          client.destroy()
        }
        for (const entry of entries) await whenUnloaded(entry.name, 60_000)
      },
      heapAfterGc: () => server.request({ kind: 'heap' }),
      loadedDocs: async () => null,
      storedBytes: async (name) => readStored(storeFile, docId(name)).bytes,
      whenUnloaded,
      stop: () => server.stop(),
    }
  },
}
