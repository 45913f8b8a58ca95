/**
 * Prometheus metrics (`GET /metrics`). Each Loresync instance owns its own registry, so several
 * servers in one process (the tests) never share or double-register a metric. Gauges that mirror
 * live state read it when scraped instead of being kept in step by every code path.
 */
import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  collectDefaultMetrics,
  type RegistryContentType,
} from 'prom-client'
import type { Logger } from 'pino'
import type { RealtimeObserver } from '../realtime/context.ts'
import type { CommitInfo } from '../storage/group-commit.ts'
import type { StoreStats } from '../storage/store.ts'

export interface MetricsSources {
  readonly openDocuments: () => number
  readonly connectedSockets: () => number
  readonly storeStats: () => Promise<StoreStats>
  readonly logger: Logger
}

export interface Metrics extends RealtimeObserver {
  committed(info: CommitInfo): void
  compacted(outcome: 'ok' | 'failed'): void
  readonly contentType: RegistryContentType
  /** The exposition text for one scrape. */
  render(): Promise<string>
}

// Milliseconds to seconds: a local fsync is ~1 ms, a degraded disk or a retried write seconds.
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

export const createMetrics = (sources: MetricsSources): Metrics => {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })

  new Gauge({
    name: 'loresync_open_documents',
    help: 'Element documents loaded in memory (open rooms).',
    registers: [registry],
    collect() {
      this.set(sources.openDocuments())
    },
  })
  new Gauge({
    name: 'loresync_connected_sockets',
    help: 'Socket.IO connections currently open.',
    registers: [registry],
    collect() {
      this.set(sources.connectedSockets())
    },
  })
  // A failing store leaves the last value and says so in the log, so a scrape still answers while
  // storage is down (that is when it matters most).
  const fromStats = (read: (stats: StoreStats) => number) =>
    async function collect(this: Gauge): Promise<void> {
      try {
        this.set(read(await sources.storeStats()))
      } catch (error) {
        sources.logger.warn({ err: error }, 'metrics: storage statistics could not be read')
      }
    }
  new Gauge({
    name: 'loresync_stored_bytes',
    help: 'Bytes of document updates and snapshots in storage (payload, not file size).',
    registers: [registry],
    collect: fromStats((stats) => stats.bytes),
  })
  new Gauge({
    name: 'loresync_stored_update_rows',
    help: 'Update-log rows not yet compacted into snapshots.',
    registers: [registry],
    collect: fromStats((stats) => stats.updateRows),
  })

  const updates = new Counter({
    name: 'loresync_updates_received_total',
    help: 'Client updates validated and applied to a room (rate() gives updates per second).',
    registers: [registry],
  })
  const acks = new Histogram({
    name: 'loresync_ack_latency_seconds',
    help: 'From receiving a client update to acknowledging it after its commit.',
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  })
  const rejected = new Counter({
    name: 'loresync_rejected_messages_total',
    help: 'Client messages refused, by error code.',
    labelNames: ['code'] as const,
    registers: [registry],
  })
  const commitSeconds = new Histogram({
    name: 'loresync_group_commit_seconds',
    help: 'Time one group-commit transaction spent in the store.',
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  })
  const commitEntries = new Histogram({
    name: 'loresync_group_commit_entries',
    help: 'Updates committed together in one transaction.',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
    registers: [registry],
  })
  const compactions = new Counter({
    name: 'loresync_compactions_total',
    help: 'Compactions of a document log into its snapshot, by outcome.',
    labelNames: ['outcome'] as const,
    registers: [registry],
  })

  return {
    contentType: registry.contentType,
    render: () => registry.metrics(),
    updateReceived: () => updates.inc(),
    acknowledged: (seconds) => acks.observe(seconds),
    rejected: (code) => rejected.inc({ code }),
    committed: (info) => {
      commitSeconds.observe(info.ms / 1000)
      commitEntries.observe(info.entries)
    },
    compacted: (outcome) => compactions.inc({ outcome }),
  }
}
