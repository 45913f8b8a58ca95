/**
 * T9 scale-out: the same typing load on one Loresync node, then on two behind a round-robin
 * "load balancer", both on PostgreSQL and Redis (issue 7). Every element has clients on every
 * node, the case where each edit crosses nodes. It reports delivery latency, delivery and the
 * servers' CPU (all nodes together, and the busiest one) for each topology, so the table shows
 * what a second node costs in latency and what it takes off each node.
 *
 * It needs the PostgreSQL and Redis on this machine (LORESYNC_BENCH_DATABASE_URL and
 * LORESYNC_BENCH_REDIS_URL override the defaults) and skips, saying why, when either does not
 * answer. It starts three server processes, so `--quick` skips it too.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { createClient } from 'redis'
import { startNode, type ClusterNode } from '../../scripts/cluster-nodes.ts'
import { loresyncClient } from '../clients/loresync.ts'
import type { ClientAdapter } from '../clients/types.ts'
import { docName } from '../lib/documents.ts'
import { settleDriverHeap } from '../lib/driver-heap.ts'
import { startWindow } from '../lib/procfs.ts'
import { TypingWorkload } from '../lib/typing.ts'
import type { ServerHandle } from '../servers/types.ts'
import { latencyMetrics } from './typing-run.ts'
import type { Metrics, RunContext, Scenario } from './types.ts'

const DATABASE_URL =
  process.env.LORESYNC_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const REDIS_URL = process.env.LORESYNC_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379'

/** The load, the same for both topologies: 300 edits/s in all, each followed by a cursor update. */
const ELEMENTS = 10
const CLIENTS_PER_ELEMENT = 4
const TYPISTS_PER_ELEMENT = 3
const EDITS_PER_TYPIST = 10
const WARMUP_MS = 3000
const MEASURE_MS = 10_000
const DRAIN_MS = 5000

/** Why the services cannot be used, or null when both answer. */
const unavailable = async (): Promise<string | null> => {
  const db = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3000 })
  try {
    await db.connect()
    await db.query('SELECT 1')
  } catch (error) {
    return `PostgreSQL at ${DATABASE_URL} is unreachable (${String(error)})`
  } finally {
    await db.end().catch(() => undefined)
  }
  const redis = createClient({
    url: REDIS_URL,
    socket: { connectTimeout: 3000, reconnectStrategy: false },
  })
  // The failed connect rejects below; this only keeps the error event from being unhandled.
  redis.on('error', () => undefined)
  try {
    await redis.connect()
    await redis.ping()
  } catch (error) {
    return `Redis at ${REDIS_URL} is unreachable (${String(error)})`
  } finally {
    if (redis.isOpen) await redis.close()
  }
  return null
}

/** Removes what one topology left behind: its schema and its Redis keys. */
const dropLeftovers = async (schema: string, keyPrefix: string): Promise<void> => {
  const db = new pg.Client({ connectionString: DATABASE_URL })
  await db.connect()
  try {
    // `schema` is made below from a fixed prefix and hex digits only.
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  } finally {
    await db.end()
  }
  const redis = createClient({ url: REDIS_URL })
  await redis.connect()
  try {
    for await (const keys of redis.scanIterator({ MATCH: `${keyPrefix}*`, COUNT: 100 })) {
      if (keys.length > 0) await redis.del(keys)
    }
  } finally {
    await redis.close()
  }
}

/**
 * What the typing workload needs of a server, for one node. Every node of a topology shares the
 * directory (bench name → element id) and the bench account's token.
 */
const nodeHandle = (
  node: ClusterNode,
  shared: { directory: Map<string, string>; token: string | null },
  prepare: (names: readonly string[]) => Promise<void>,
): ServerHandle => {
  const unused = (what: string) => (): never => {
    throw new Error(`T9 does not use ${what}`)
  }
  return {
    name: 'loresync',
    pid: node.pid,
    url: node.url,
    get token() {
      return shared.token
    },
    docId(name) {
      const id = shared.directory.get(name)
      if (id === undefined) throw new Error(`bench document ${name} was not prepared`)
      return id
    },
    prepare,
    seed: unused('seed'),
    heapAfterGc: unused('heapAfterGc'),
    loadedDocs: async () => null,
    storedBytes: unused('storedBytes'),
    whenUnloaded: unused('whenUnloaded'),
    stop: () => node.stop(),
  }
}

const post = async (url: string, body: unknown, token: string | null, field: string) => {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(body),
  })
  if (!response.ok) throw new Error(`POST ${url} → ${response.status}: ${await response.text()}`)
  const value = ((await response.json()) as Record<string, unknown>)[field]
  if (typeof value !== 'string') throw new Error(`POST ${url} answered without ${field}`)
  return value
}

/**
 * The load balancer: the clients of slot s (the s-th client of every element) go to node
 * s mod n, so every element has clients on every node.
 */
const roundRobin = (handles: readonly ServerHandle[]): ClientAdapter => {
  let opened = 0
  return {
    name: 'loresync',
    connect: () => {
      const slot = Math.floor(opened++ / ELEMENTS)
      return loresyncClient.connect(handles[slot % handles.length]!)
    },
  }
}

/** Starts `count` nodes on a fresh schema and key prefix, types, and measures; always cleans up. */
const measure = async (context: RunContext, count: number): Promise<Metrics> => {
  const schema = `loresync_bench_${randomBytes(6).toString('hex')}`
  const keyPrefix = `${schema}:`
  const authSecret = randomBytes(32).toString('base64url')
  const nodes: ClusterNode[] = []
  const cleanup = context.defer(async () => {
    await Promise.all(nodes.map((node) => node.stop()))
    await dropLeftovers(schema, keyPrefix)
  })
  for (let index = 0; index < count; index++) {
    nodes.push(
      await startNode({
        databaseUrl: DATABASE_URL,
        databaseSchema: schema,
        redisUrl: REDIS_URL,
        redisKeyPrefix: keyPrefix,
        authSecret,
        env: { PASSWORD_HASH_COST: '10' },
      }),
    )
  }
  const first = nodes[0]!
  const shared = { directory: new Map<string, string>(), token: null as string | null }
  const prepare = async (names: readonly string[]): Promise<void> => {
    shared.token ??= await post(
      `${first.url}/api/auth/register`,
      {
        username: `bench-${randomBytes(4).toString('hex')}`,
        password: randomBytes(12).toString('hex'),
      },
      null,
      'token',
    )
    const worldId = await post(`${first.url}/api/worlds`, { name: 'T9' }, shared.token, 'id')
    for (const name of names) {
      if (shared.directory.has(name)) continue
      const body = { kind: 'note', name }
      const id = await post(`${first.url}/api/worlds/${worldId}/elements`, body, shared.token, 'id')
      shared.directory.set(name, id)
    }
  }
  const handles = nodes.map((node) => nodeHandle(node, shared, prepare))

  const workload = await TypingWorkload.open(
    roundRobin(handles),
    handles[0]!,
    {
      names: Array.from({ length: ELEMENTS }, (_, i) =>
        docName('t9', `r${context.repeat}n${count}`, i),
      ),
      clientsPerElement: CLIENTS_PER_ELEMENT,
      typistsPerElement: TYPISTS_PER_ELEMENT,
    },
    context.prng.fork(`scale-out/${count}`),
    120_000,
  )
  const close = context.defer(() => workload.close())
  await workload.type(EDITS_PER_TYPIST, WARMUP_MS, false)
  settleDriverHeap()
  const ends = nodes.map((node) => startWindow(node.pid))
  await workload.type(EDITS_PER_TYPIST, MEASURE_MS, true)
  const counters = ends.map((end) => end())
  await workload.drain(DRAIN_MS)
  const window = workload.takeWindow(counters[0]!.seconds)
  await close()
  await cleanup()

  const cpu = counters.map((c) =>
    c.cpuSeconds === null ? Number.NaN : (100 * c.cpuSeconds) / c.seconds,
  )
  const latency = latencyMetrics('T9', window.latencies)
  const metrics: Metrics = {
    [`T9.p50@${count}`]: latency['T9.p50'] ?? Number.NaN,
    [`T9.p99@${count}`]: latency['T9.p99'] ?? Number.NaN,
    [`T9.delivered@${count}`]:
      window.expectedPairs === 0
        ? Number.NaN
        : (100 * window.deliveredPairs) / window.expectedPairs,
    [`T9.editsPerSecond@${count}`]: window.edits / window.seconds,
    [`T9.cpu@${count}`]: cpu.reduce((sum, value) => sum + value, 0),
    [`T9.busiestCpu@${count}`]: Math.max(...cpu),
  }
  context.log(
    `${count} node(s): p50 ${metrics[`T9.p50@${count}`]?.toFixed(1)} ms, ` +
      `p99 ${metrics[`T9.p99@${count}`]?.toFixed(1)} ms, CPU ${cpu.map((c) => c.toFixed(1)).join(' + ')} %`,
  )
  return metrics
}

export const scaleOut: Scenario = {
  provides: ['T9'],
  title: 'scale-out, the same load on 1 node and on 2',
  only: ['loresync'],
  timeLimitMs: () => 300_000,
  async run(context) {
    if (context.quick) {
      context.log('skipped in --quick: it starts three server processes on PostgreSQL and Redis')
      return {}
    }
    const reason = await unavailable()
    if (reason !== null) {
      context.log(`skipped: ${reason}; start both services to measure scale-out`)
      return {}
    }
    // One topology after the other on the same machine: never both at once.
    return { ...(await measure(context, 1)), ...(await measure(context, 2)) }
  },
}
