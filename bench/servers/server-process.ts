/**
 * The harness side of a server's own process: spawns a server script under `node --import tsx`
 * pinned to the server core, waits until it listens, relays IPC requests, and stops it (process
 * group, SIGKILL fallback). Its stderr is kept so a crash explains itself.
 */
import type { ChildProcess } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { SERVER_CORE, spawnPinned, stopChild } from '../lib/processes.ts'
import { TimeoutError, sleep } from '../lib/time.ts'
import { isServerMessage, type ServerReply } from './ipc.ts'

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/**
 * For looking inside a server while it is measured (docs/benchmarks.md, "How it measures"): extra
 * Node flags for every server process, space-separated (V8's `--trace-opt`, say, which
 * NODE_OPTIONS refuses), and a file that each server's stdout is appended to (where V8 prints
 * its traces). Neither is set for a recorded run.
 */
const extraServerFlags = (): string[] =>
  (process.env.BENCH_SERVER_FLAGS ?? '').split(' ').filter((flag) => flag !== '')
const serverStdoutFile = (): string | undefined => process.env.BENCH_SERVER_STDOUT || undefined

/**
 * A command every server process runs under, space-separated (bench/tools/instructions.ts puts
 * each server under callgrind). It runs the guest in its own pid, as taskset does, so the pid we
 * hold is still the server's. Not set for a recorded run.
 */
const serverWrapper = (): string[] =>
  (process.env.BENCH_SERVER_WRAPPER ?? '').split(' ').filter((word) => word !== '')

/** A wrapped server runs tens of times slower: it gets that much longer to start and to answer. */
const WRAPPED_SLOWDOWN = 20
const STARTUP_TIMEOUT_MS = 30_000
const REQUEST_TIMEOUT_MS = 60_000

type RequestBody =
  | { readonly kind: 'heap' }
  | { readonly kind: 'loaded-docs'; readonly name?: string }
  | { readonly kind: 'seed'; readonly name: string; readonly update: Uint8Array }
  | { readonly kind: 'stored-bytes'; readonly name: string }

export interface SpawnServerOptions {
  /** Path of the server script, relative to the repo root. */
  readonly script: string
  readonly env: NodeJS.ProcessEnv
  readonly nodeFlags?: readonly string[]
  /** How readiness is known: the script's IPC `ready`, or a URL that answers 200. */
  readonly readiness: { readonly ipc: true } | { readonly poll: string }
}

export class ServerProcess {
  private nextId = 1
  private readonly pending = new Map<number, (reply: ServerReply) => void>()
  private stderr = ''

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    private readonly requestTimeoutMs: number,
  ) {}

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('the server process has no pid')
    return this.child.pid
  }

  static async spawn(options: SpawnServerOptions): Promise<ServerProcess> {
    const [wrapperCommand, ...wrapperArgs] = serverWrapper()
    const slowdown = wrapperCommand ? WRAPPED_SLOWDOWN : 1
    const startupTimeoutMs = STARTUP_TIMEOUT_MS * slowdown
    const child = spawnPinned(
      wrapperCommand ?? process.execPath,
      [
        ...(wrapperCommand ? [...wrapperArgs, process.execPath] : []),
        '--expose-gc',
        ...(options.nodeFlags ?? []),
        ...extraServerFlags(),
        '--import',
        'tsx',
        options.script,
      ],
      { core: SERVER_CORE, env: options.env, cwd: REPO_ROOT, ipc: true },
    )
    let stderr = ''
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4000)
    })
    const stdoutFile = serverStdoutFile()
    if (stdoutFile) child.stdout?.pipe(createWriteStream(stdoutFile, { flags: 'a' }))
    else child.stdout?.resume()
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code, signal) =>
        reject(
          new Error(`${options.script} exited (${code ?? signal}) while starting:\n${stderr}`),
        ),
      ),
    )
    exited.catch(() => undefined)
    const ready = (async (): Promise<number> => {
      if ('poll' in options.readiness) {
        const url = options.readiness.poll
        for (;;) {
          try {
            const response = await fetch(url)
            if (response.ok) return Number(new URL(url).port)
          } catch {
            // not listening yet
          }
          await sleep(50)
        }
      }
      return new Promise<number>((resolve) => {
        const onMessage = (message: unknown): void => {
          if (isServerMessage(message) && 'kind' in message) {
            child.off('message', onMessage)
            resolve(message.port)
          }
        }
        child.on('message', onMessage)
      })
    })()
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new TimeoutError(`${options.script} did not start within ${startupTimeoutMs} ms`)),
        startupTimeoutMs,
      )
    })
    let port: number
    try {
      port = await Promise.race([ready, exited, timeout])
    } catch (error) {
      await stopChild(child, 1000)
      throw error
    } finally {
      clearTimeout(timer)
    }
    const server = new ServerProcess(child, port, REQUEST_TIMEOUT_MS * slowdown)
    server.stderr = stderr
    child.stderr?.on('data', (chunk: Buffer) => {
      server.stderr = (server.stderr + chunk.toString('utf8')).slice(-4000)
    })
    child.on('message', (message: unknown) => {
      if (!isServerMessage(message) || 'kind' in message) return
      const settle = server.pending.get(message.id)
      server.pending.delete(message.id)
      settle?.(message)
    })
    child.once('exit', (code, signal) => {
      for (const [id, settle] of server.pending) {
        settle({ id, ok: false, error: `server exited (${code ?? signal}):\n${server.stderr}` })
      }
      server.pending.clear()
    })
    return server
  }

  /** Sends one IPC request; resolves with its numeric answer. */
  request(body: RequestBody): Promise<number> {
    const id = this.nextId++
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(
          new TimeoutError(`IPC ${body.kind} got no answer within ${this.requestTimeoutMs} ms`),
        )
      }, this.requestTimeoutMs)
      this.pending.set(id, (reply) => {
        clearTimeout(timer)
        if (reply.ok) resolve(reply.value)
        else reject(new Error(`IPC ${body.kind} failed: ${reply.error}`))
      })
      this.child.send({ id, ...body })
    })
  }

  get recentStderr(): string {
    return this.stderr
  }

  stop(): Promise<void> {
    return stopChild(this.child)
  }
}
