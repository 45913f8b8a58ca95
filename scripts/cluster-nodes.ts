/**
 * Starts Loresync nodes as child processes that share one PostgreSQL and one Redis: what
 * `npm run cluster` runs, and what the multi-node tests drive. Each node gets its own data folder
 * (the pid lock) and learns its port from the "ready" log line, so port 0 works.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** tsx as a module hook, not its CLI: the child we signal is the server itself. */
const SERVER_ARGS = ['--import', 'tsx', 'server/index.ts']

export interface NodeSettings {
  readonly databaseUrl: string
  readonly databaseSchema: string
  readonly redisUrl: string
  readonly redisKeyPrefix: string
  /** AUTH_SECRET, the same for every node: a token signed by one node is checked by the others. */
  readonly authSecret: string
  /** 0 picks a free port. */
  readonly port?: number
  readonly logLevel?: string
  /** Extra environment (e.g. COMPACT_AFTER_ROWS). */
  readonly env?: Readonly<Record<string, string>>
  /** Where each log line goes; default: nowhere (kept for failure messages only). */
  readonly onLog?: (line: string) => void
}

export interface ClusterNode {
  readonly url: string
  readonly pid: number
  readonly child: ChildProcess
  /** SIGKILL: no shutdown, no flush, like a crash. */
  kill9(): Promise<void>
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>
}

const READY_TIMEOUT_MS = 30_000

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()))

export const startNode = async (settings: NodeSettings): Promise<ClusterNode> => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'loresync-node-'))
  const child = spawn(process.execPath, SERVER_ARGS, {
    cwd: ROOT,
    env: {
      ...process.env,
      ...settings.env,
      PORT: String(settings.port ?? 0),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: settings.logLevel ?? 'info',
      NODE_ENV: 'production',
      DATABASE_URL: settings.databaseUrl,
      DATABASE_SCHEMA: settings.databaseSchema,
      REDIS_URL: settings.redisUrl,
      REDIS_KEY_PREFIX: settings.redisKeyPrefix,
      AUTH_SECRET: settings.authSecret,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const recent: string[] = []
  const remember = (line: string): void => {
    recent.push(line)
    if (recent.length > 40) recent.shift()
    settings.onLog?.(line)
  }
  createInterface({ input: child.stderr! }).on('line', remember)
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail('did not report ready in time'), READY_TIMEOUT_MS)
    const fail = (why: string): void => {
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(new Error(`Loresync node ${why}. Last output:\n${recent.join('\n')}`))
    }
    child.once('exit', (code, signal) => fail(`exited (${code ?? signal}) before it was ready`))
    createInterface({ input: child.stdout! }).on('line', (line) => {
      remember(line)
      try {
        const entry = JSON.parse(line) as { url?: unknown }
        if (typeof entry.url === 'string') {
          clearTimeout(timer)
          child.removeAllListeners('exit')
          resolve(entry.url)
        }
      } catch {
        // Not a JSON log line (a warning printed by Node itself): kept in `recent` only.
      }
    })
  })
  const cleanup = (): Promise<void> => rm(dataDir, { recursive: true, force: true })
  return {
    url,
    pid: child.pid!,
    child,
    async kill9() {
      child.kill('SIGKILL')
      await exited(child)
      await cleanup()
    },
    async stop() {
      child.kill('SIGTERM')
      await exited(child)
      await cleanup()
    },
  }
}
