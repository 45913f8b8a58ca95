/**
 * The real Loresync server core (RoomRegistry, GroupCommitter, SqliteStore, and the socket handlers
 * registered by `attachHandlers`) wired to the in-memory transport instead of Socket.IO, plus real
 * CollabClients on the other side. The test decides when each message arrives.
 *
 * `settle()` is what replaces sleeping: it lets every handler run to its next wait and every group
 * commit finish. Messages are delivered only from a settled state, as Socket.IO delivers them from
 * the event loop's poll phase and never between two microtasks of a running handler.
 */
import { randomUUID } from 'node:crypto'
import { onTestFinished } from 'vitest'
import { pino } from 'pino'
import { CollabClient } from '../../client/collab/collab-client.ts'
import type { User } from '../../shared/api.ts'
import { encodeSeedUpdate, type ElementSeed } from '../../shared/element-doc.ts'
import { WorldAccess } from '../../server/access/world-access.ts'
import { userOf, type Principal } from '../../server/auth/auth-service.ts'
import { AbusePolicy } from '../../server/realtime/abuse-policy.ts'
import { attachHandlers } from '../../server/realtime/socket-server.ts'
import { createWorldEvents } from '../../server/realtime/world-events.ts'
import { RoomRegistry } from '../../server/rooms/room-registry.ts'
import { GroupCommitter } from '../../server/storage/group-commit.ts'
import { openSqliteStore, type SqliteStore } from '../../server/storage/sqlite/sqlite-store.ts'
import { MemoryNetwork } from './in-memory-transport.ts'
import type { Random } from './prng.ts'

export interface MemoryServerOptions {
  readonly compactAfterRows?: number
}

export interface MemoryLoresync {
  readonly network: MemoryNetwork
  readonly store: SqliteStore
  readonly registry: RoomRegistry
  readonly committer: GroupCommitter
  /** The one person every in-memory client acts for; the server stamps it into presence. */
  readonly user: User
  createWorld(name: string): Promise<string>
  createElement(worldId: string, seed: ElementSeed): Promise<string>
  /** A CollabClient on a new in-memory socket (not yet connected); destroyed after the test. */
  createClient(): CollabClient
  /** Resolves once no handler has work left before the next message and nothing awaits a commit. */
  settle(): Promise<void>
  /** Delivers every queued message, in random order across queues, until everything is quiet. */
  flush(random: Random): Promise<void>
}

const nextMacrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** Starts the in-memory server; it closes itself (and its clients) when the test finishes. */
export const startMemoryServer = async (
  options: MemoryServerOptions = {},
): Promise<MemoryLoresync> => {
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' })
  // An in-memory SQLite database: the real SQL and transactions, without the fsyncs.
  const store = openSqliteStore({ file: ':memory:', synchronous: 'normal' })
  const committer = new GroupCommitter(store)
  const network = new MemoryNetwork()
  const io = network.server
  const worldEvents = createWorldEvents(() => io)
  const registry = new RoomRegistry({
    store,
    committer,
    logger,
    ...(options.compactAfterRows === undefined
      ? {}
      : { compactAfterRows: options.compactAfterRows }),
    onIndexChange: worldEvents.updated,
  })
  // Every in-memory client acts for one member (the owner of every world created here): these
  // tests are about convergence, not permissions (those run over real sockets).
  const owner = {
    id: randomUUID(),
    username: 'memory-owner',
    usernameKey: 'memory-owner',
    passwordHash: 'scrypt$unusable',
    createdAt: new Date().toISOString(),
  }
  await store.createUser(owner)
  const principal: Principal = { user: userOf(owner), sessionId: 'memory' }
  io.on('connection', (socket) => {
    socket.data.principal = principal
  })
  const unlimited = { points: Number.MAX_SAFE_INTEGER, seconds: 1 }
  attachHandlers({
    io,
    registry,
    store,
    logger,
    access: new WorldAccess({ accounts: store }),
    abuse: new AbusePolicy({
      messagesPerSocket: unlimited,
      messagesPerAddress: unlimited,
      offencesPerSocket: unlimited,
    }),
  })

  const clients: CollabClient[] = []
  onTestFinished(async () => {
    for (const client of clients) client.destroy()
    await registry.closeAll()
    await committer.close()
    await store.close()
  })

  const settle = async (): Promise<void> => {
    do await nextMacrotask()
    while (committer.pending > 0)
  }

  return {
    network,
    store,
    registry,
    committer,
    user: principal.user,
    async createWorld(name) {
      const id = randomUUID()
      await store.createWorldWithOwner({ id, name, createdAt: new Date().toISOString() }, owner.id)
      return id
    },
    async createElement(worldId, seed) {
      const id = randomUUID()
      const updatedAt = new Date().toISOString()
      await store.createElement({ id, worldId, ...seed, updatedAt }, encodeSeedUpdate(seed))
      return id
    },
    createClient() {
      const client = new CollabClient({ socket: network.createClientSocket() })
      clients.push(client)
      return client
    },
    settle,
    async flush(random) {
      await settle()
      while (network.deliverRandom(random)) await settle()
    },
  }
}
