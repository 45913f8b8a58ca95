/**
 * The composition root: builds the store, the rooms, the HTTP app and the socket server, wires them
 * together, and knows how to start and stop them in order. It holds no logic of its own.
 */
import { mkdirSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { createSecurity } from './access/security.ts'
import type { AuthLimits } from './auth/throttle.ts'
import { openMultiNode } from './cluster/multi-node.ts'
import type { Config } from './config.ts'
import { ElementService } from './documents/element-service.ts'
import { createHttpApp } from './http/http-app.ts'
import { acquireDataDirLock } from './lifecycle/data-dir.ts'
import { closeGently } from './lifecycle/close-gently.ts'
import { closeHttpWithin } from './lifecycle/close-http.ts'
import { InFlight } from './lifecycle/in-flight.ts'
import { createMetrics } from './observability/metrics.ts'
import { RoomRegistry } from './rooms/room-registry.ts'
import { evictElement } from './realtime/evictions.ts'
import type { AbuseLimits } from './realtime/abuse-policy.ts'
import { authenticateSockets } from './realtime/socket-auth.ts'
import { exposeAckIds } from './realtime/direct-acks.ts'
import { preframeBinaryBroadcasts } from './realtime/preframed-broadcasts.ts'
import { attachHandlers, createSocketServer } from './realtime/socket-server.ts'
import type { LoresyncServer } from './realtime/types.ts'
import { createWorldEvents } from './realtime/world-events.ts'
import type { AccountStore } from './storage/account-store.ts'
import { GroupCommitter } from './storage/group-commit.ts'
import { openStore } from './storage/open-store.ts'
import type { DocumentStore } from './storage/store.ts'

export interface LoresyncOptions {
  readonly config: Config
  readonly logger: Logger
  /** Replaces the SQLite store (tests wrap it to inject latency or failures). */
  readonly store?: DocumentStore
  /** Overrides config.compactAfterRows (tests compact every few rows). */
  readonly compactAfterRows?: number
  /** Where accounts live; defaults to the store when it keeps them (SqliteStore and PostgresStore do). */
  readonly accounts?: AccountStore
  /** Overrides of the login throttle and socket abuse limits (tests, load benchmarks). */
  readonly authLimits?: Partial<AuthLimits>
  readonly abuseLimits?: Partial<AbuseLimits>
  /** How long a presence renewal waits for its room's batch (realtime/presence-renewals.ts; tests). */
  readonly renewalDelayMs?: number
}

export interface Loresync {
  readonly http: FastifyInstance
  readonly io: LoresyncServer
  readonly registry: RoomRegistry
  readonly store: DocumentStore
  /** Listens on config.host:config.port (0 picks a free port); resolves with the base URL. */
  listen(): Promise<string>
  /**
   * Graceful shutdown, idempotent (a second call returns the first call's promise):
   * 1. stop listening and refuse Socket.IO handshakes, so new connections are refused;
   * 2. tell every client the server is restarting; from here joins and updates are refused with
   *    `unavailable` (clients keep them and send them after reconnecting);
   * 3. wait until every update received before step 2 is committed and its acknowledgement handed
   *    to its socket;
   * 4. close each connection once its acknowledgements are written (clients reconnect on their
   *    own), compact and unload every room, close storage, release the data folder.
   */
  close(): Promise<void>
}

export const createLoresync = async (options: LoresyncOptions): Promise<Loresync> => {
  const { config } = options
  mkdirSync(config.dataDir, { recursive: true })
  const lock = acquireDataDirLock(config.dataDir)
  try {
    const app = await assemble(options)
    return { ...app, close: () => app.close().finally(() => lock.release()) }
  } catch (error) {
    lock.release()
    throw error
  }
}

const assemble = async ({
  config,
  logger,
  store: givenStore,
  compactAfterRows,
  renewalDelayMs,
  ...securityOptions
}: LoresyncOptions): Promise<Loresync> => {
  const store = givenStore ?? (await openStore(config, logger))
  const security = createSecurity({
    config,
    store,
    ...securityOptions,
    io: () => sockets.io,
    registry: () => registry,
  })
  const multiNode =
    config.redisUrl === null
      ? undefined
      : await openMultiNode({
          redisUrl: config.redisUrl,
          keyPrefix: config.redisKeyPrefix,
          store,
          logger,
          io: () => sockets.io,
        })
  // The socket server needs the HTTP server, which needs the services that emit to sockets: the
  // emitters reach it through this holder, filled once everything is built.
  const sockets: { io?: LoresyncServer } = {}
  let shuttingDown = false
  const metrics = createMetrics({
    openDocuments: () => registry.size,
    connectedSockets: () => sockets.io?.engine.clientsCount ?? 0,
    storeStats: () => store.stats(),
    logger,
  })
  const committer = new GroupCommitter(store, { onCommit: metrics.committed })
  const worldEvents = createWorldEvents(() => sockets.io)
  const registry = new RoomRegistry({
    store,
    committer,
    logger,
    compactAfterRows: compactAfterRows ?? config.compactAfterRows,
    onIndexChange: worldEvents.updated,
    onCompaction: metrics.compacted,
    ...(multiNode ? { lifecycle: multiNode.peers } : {}),
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
    health: {
      shuttingDown: () => shuttingDown,
      ...(multiNode ? { redis: multiNode.checkRedis } : {}),
    },
    metrics,
    security,
  })
  const io = createSocketServer(http.server, {
    corsOrigins: config.corsOrigins,
    accepting: () => !shuttingDown,
  })
  if (multiNode) io.adapter(multiNode.adapter)
  preframeBinaryBroadcasts(io)
  // Lets acknowledgements skip Socket.IO's write path when it would write at once anyway.
  exposeAckIds()
  sockets.io = io
  authenticateSockets(io, security.auth, security.abuse)
  const inFlight = new InFlight()
  attachHandlers({
    access: security.access,
    abuse: security.abuse,
    io,
    registry,
    store,
    logger,
    observer: metrics,
    inFlight,
    closing: () => shuttingDown,
    multiNode: multiNode !== undefined,
    ...(renewalDelayMs === undefined ? {} : { renewalDelayMs }),
  })

  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= (async () => {
      shuttingDown = true
      // No new TCP connections; the ones already open stay until step 4.
      if (http.server.listening) http.server.close()
      // `local`: with several nodes, only this one is restarting.
      io.local.emit('server:notice', { reason: 'restarting', message: 'the server is restarting' })
      await inFlight.whenIdle()
      // Not `io.engine.close()`: it discards what is still buffered, acknowledgements included.
      // Closing the transport (not a Socket.IO disconnect) makes clients reconnect on their own.
      await Promise.all([...io.of('/').sockets.values()].map((socket) => closeGently(socket)))
      await registry.closeAll()
      await committer.close()
      await closeHttpWithin(http.server, async () => {
        await io.close()
        await multiNode?.close()
        await http.close()
      })
      await security.close()
      await store.close()
      logger.info('stopped: every received update is stored')
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
