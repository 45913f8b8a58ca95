/**
 * Assembles multi-node mode for the composition root: the Redis connections, the Socket.IO
 * adapter, and the peer sync that the room registry drives. The socket server is created after
 * the registry, so it is reached through a getter.
 */
import type { Logger } from 'pino'
import { docRoom } from '../../shared/protocol.ts'
import type { LoresyncServer } from '../realtime/types.ts'
import type { DocumentStore } from '../storage/store.ts'
import { openCluster, type Cluster } from './cluster.ts'
import { PeerSync } from './peer-sync.ts'

export interface MultiNodeOptions {
  readonly redisUrl: string
  readonly keyPrefix: string
  readonly store: DocumentStore
  readonly logger: Logger
  readonly io: () => LoresyncServer | undefined
}

export interface MultiNode {
  readonly peers: PeerSync
  readonly adapter: Cluster['adapter']
  checkRedis(): Promise<void>
  /** Closes the Redis connections; call after the socket server (and its adapter) is closed. */
  close(): Promise<void>
}

export const openMultiNode = async (options: MultiNodeOptions): Promise<MultiNode> => {
  const { store, logger, io } = options
  const cluster = await openCluster({
    url: options.redisUrl,
    keyPrefix: options.keyPrefix,
    logger,
  })
  const peers = new PeerSync({
    nodeId: cluster.nodeId,
    transport: cluster.transport,
    store,
    logger,
    clients: {
      updateLocal: (docId, update) =>
        io()?.local.to(docRoom(docId)).emit('doc:update', docId, update),
    },
  })
  cluster.onReconnect(() => void peers.resyncAll())
  logger.info({ nodeId: cluster.nodeId, keyPrefix: options.keyPrefix }, 'multi-node mode (Redis)')
  return {
    peers,
    adapter: cluster.adapter,
    checkRedis: () => cluster.checkRedis(),
    close: () => {
      peers.close()
      return cluster.close()
    },
  }
}
