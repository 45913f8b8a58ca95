/**
 * The composition root: builds the store, the rooms, the HTTP app and the socket server, wires them
 * together, and knows how to start and stop them in order. It holds no logic of its own.
 */
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { Config } from './config.ts'
import { ElementService } from './documents/element-service.ts'
import { createHttpApp } from './http/http-app.ts'
import { RoomRegistry } from './rooms/room-registry.ts'
import { evictElement } from './realtime/evictions.ts'
import { attachHandlers, createSocketServer } from './realtime/socket-server.ts'
import type { LoresyncServer } from './realtime/types.ts'
import { createWorldEvents } from './realtime/world-events.ts'
import { GroupCommitter } from './storage/group-commit.ts'
import { openSqliteStore } from './storage/sqlite/sqlite-store.ts'
import type { DocumentStore } from './storage/store.ts'

export interface LoresyncOptions {
  readonly config: Config
  readonly logger: Logger
  /** Replaces the SQLite store (tests wrap it to inject latency or failures). */
  readonly store?: DocumentStore
  readonly compactAfterRows?: number
}

export interface Loresync {
  readonly http: FastifyInstance
  readonly io: LoresyncServer
  readonly registry: RoomRegistry
  readonly store: DocumentStore
  /** Listens on config.host:config.port (0 picks a free port); resolves with the base URL. */
  listen(): Promise<string>
  /** Stops accepting, flushes and stores every pending update, closes storage. Idempotent. */
  close(): Promise<void>
}

export const createLoresync = async (options: LoresyncOptions): Promise<Loresync> => {
  const { config, logger } = options
  mkdirSync(config.dataDir, { recursive: true })
  const store =
    options.store ??
    openSqliteStore({
      file: path.join(config.dataDir, 'loresync.sqlite'),
      synchronous: config.sqliteSynchronous,
    })
  const committer = new GroupCommitter(store)
  // The socket server needs the HTTP server, which needs the services that emit to sockets: the
  // emitters reach it through this holder, filled once everything is built.
  const sockets: { io?: LoresyncServer } = {}
  let shuttingDown = false
  const worldEvents = createWorldEvents(() => sockets.io)
  const registry = new RoomRegistry({
    store,
    committer,
    logger,
    ...(options.compactAfterRows === undefined
      ? {}
      : { compactAfterRows: options.compactAfterRows }),
    onIndexChange: worldEvents.updated,
  })
  const elements = new ElementService({
    store,
    registry,
    onCreated: worldEvents.created,
    onDeleted: (element) => {
      if (sockets.io) evictElement(sockets.io, registry, element.id)
      worldEvents.deleted(element)
    },
  })
  const http = await createHttpApp({
    logger,
    corsOrigins: config.corsOrigins,
    staticDir: config.staticDir,
    elements,
    store,
    health: { shuttingDown: () => shuttingDown },
  })
  const io = createSocketServer(http.server, { corsOrigins: config.corsOrigins })
  sockets.io = io
  attachHandlers({ io, registry, store, logger })

  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= (async () => {
      shuttingDown = true
      io.emit('server:notice', { reason: 'restarting', message: 'the server is restarting' })
      // Stop taking connections, but let handlers already running finish their writes.
      io.engine.close()
      await registry.closeAll()
      await committer.close()
      await io.close()
      await http.close()
      await store.close()
    })()
    return closing
  }

  return {
    http,
    io,
    registry,
    store,
    async listen() {
      await http.listen({ port: config.port, host: config.host })
      const address = http.server.address() as AddressInfo
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
      return `http://${host}:${address.port}`
    },
    close,
  }
}
