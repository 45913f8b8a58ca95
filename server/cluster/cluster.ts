/**
 * Multi-node mode (REDIS_URL set): the Redis connections a node needs, and what rides on them.
 *
 * - The Socket.IO adapter (`@socket.io/redis-streams-adapter`) makes rooms span nodes, so a
 *   broadcast to an element's or a world's room reaches its members on every node. Broadcasts go
 *   through a Redis stream that each node reads from its last offset: a node whose connection
 *   drops for a few seconds reads what it missed when it is back, where plain pub/sub (what
 *   `@socket.io/redis-adapter` uses) would have lost those packets.
 * - The peer channel (redis-transport.ts, peer-sync.ts) keeps each node's in-memory copy of an
 *   open element current; it is lossy, and every reconnection triggers a resync from storage.
 *
 * Every key and channel starts with the configured prefix, so deployments (and test runs) can
 * share one Redis.
 */
import { randomUUID } from 'node:crypto'
import { createAdapter } from '@socket.io/redis-streams-adapter'
import type { Logger } from 'pino'
import { createClient, type RedisClientType } from 'redis'
import type { PeerTransport } from './peer-sync.ts'
import { RedisPeerTransport } from './redis-transport.ts'

export interface ClusterOptions {
  readonly url: string
  readonly keyPrefix: string
  readonly logger: Logger
}

export interface Cluster {
  /** Identifies this process among the nodes, for the lifetime of the process. */
  readonly nodeId: string
  readonly adapter: ReturnType<typeof createAdapter>
  readonly transport: PeerTransport
  /** Resolves when Redis answers a PING in time; rejects otherwise. */
  checkRedis(): Promise<void>
  /** Called each time a connection to Redis is back after being lost. */
  onReconnect(listener: () => void): void
  close(): Promise<void>
}

/** How long `/readyz` waits for Redis' PING. */
const PING_TIMEOUT_MS = 1000
const CONNECT_TIMEOUT_MS = 5000

export const openCluster = async ({ url, keyPrefix, logger }: ClusterOptions): Promise<Cluster> => {
  const log = logger.child({ component: 'redis' })
  const reconnectListeners: (() => void)[] = []
  const watch = (client: RedisClientType, role: string): RedisClientType => {
    let lost = false
    client.on('error', (error: unknown) => {
      // node-redis reconnects on its own; each failed attempt lands here.
      if (!lost) log.warn({ err: error, role }, 'Redis connection lost; reconnecting')
      lost = true
    })
    client.on('ready', () => {
      if (!lost) return
      lost = false
      log.info({ role }, 'Redis connection is back; resyncing open documents')
      for (const listener of reconnectListeners) listener()
    })
    return client
  }
  const publisher = watch(
    createClient({
      url,
      socket: {
        connectTimeout: CONNECT_TIMEOUT_MS,
        reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 2000),
      },
    }) as RedisClientType,
    'publisher',
  )
  const subscriber = watch(publisher.duplicate(), 'subscriber')
  try {
    await Promise.all([publisher.connect(), subscriber.connect()])
  } catch (error) {
    publisher.destroy()
    subscriber.destroy()
    throw new Error(`Redis at ${redactedUrl(url)} is unreachable: ${String(error)}`)
  }

  const adapter = createAdapter(publisher, {
    streamName: `${keyPrefix}:socket.io`,
    channelPrefix: `${keyPrefix}:socket.io`,
    sessionKeyPrefix: `${keyPrefix}:socket.io-session:`,
  })
  let closing: Promise<void> | undefined
  return {
    nodeId: randomUUID(),
    adapter,
    transport: new RedisPeerTransport(publisher, subscriber, keyPrefix),
    checkRedis: () => withTimeout(publisher.ping(), PING_TIMEOUT_MS, 'Redis did not answer PING'),
    onReconnect: (listener) => {
      reconnectListeners.push(listener)
    },
    close: () => {
      closing ??= Promise.all([publisher.close(), subscriber.close()]).then(() => undefined)
      return closing
    },
  }
}

const withTimeout = async (work: Promise<unknown>, ms: number, message: string): Promise<void> => {
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    await Promise.race([
      work,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms)
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}

/** The URL without its password, for messages. */
const redactedUrl = (url: string): string => {
  const parsed = new URL(url)
  if (parsed.password) parsed.password = '***'
  return parsed.toString()
}
