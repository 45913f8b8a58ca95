/**
 * `npm run cluster [-- --nodes N] [--port P]`: N Loresync nodes on ports P, P+1, … against the
 * PostgreSQL and Redis on this machine (DATABASE_URL and REDIS_URL override the defaults). Put a
 * load balancer in front (docs/scale-out.md), or open each port directly. Ctrl-C stops them all.
 * The nodes share AUTH_SECRET (a random one for this run when it is unset: sessions then end with
 * the run).
 */
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { startNode, type ClusterNode } from './cluster-nodes.ts'

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '2' },
    port: { type: 'string', default: '3001' },
  },
})
const count = Number(values.nodes)
const firstPort = Number(values.port)
if (!Number.isInteger(count) || count < 1 || !Number.isInteger(firstPort) || firstPort < 1) {
  console.error('usage: npm run cluster -- --nodes 3 --port 3001')
  process.exit(2)
}

const settings = {
  databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  databaseSchema: process.env.DATABASE_SCHEMA ?? 'loresync_cluster',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  redisKeyPrefix: process.env.REDIS_KEY_PREFIX ?? 'loresync-cluster',
  authSecret: process.env.AUTH_SECRET ?? randomBytes(32).toString('base64url'),
}

const nodes: ClusterNode[] = []
const stopAll = async (): Promise<void> => {
  await Promise.all(nodes.map((node) => node.stop()))
}

process.on('SIGINT', () => void stopAll().then(() => process.exit(0)))
process.on('SIGTERM', () => void stopAll().then(() => process.exit(0)))

try {
  // One after the other: the first migrates the schema, the rest find it ready.
  for (let index = 0; index < count; index++) {
    const node = await startNode({
      ...settings,
      port: firstPort + index,
      onLog: (line) => console.log(`[node ${index + 1}] ${line}`),
    })
    nodes.push(node)
  }
  console.log(
    `\n${count} nodes (schema ${settings.databaseSchema}, prefix ${settings.redisKeyPrefix}):`,
  )
  for (const node of nodes) console.log(`  ${node.url}`)
  console.log('Ctrl-C stops them all.')
} catch (error) {
  console.error(error instanceof Error ? error.message : error)
  await stopAll()
  process.exit(1)
}
