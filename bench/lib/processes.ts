/**
 * Child processes of the harness: spawned in their own process group (so a server's own children
 * die with it), pinned to a core with `taskset` when it exists, and killed on every way out of the
 * driver — normal exit, a signal, an uncaught error — with a SIGKILL fallback.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'

/** Server processes run on this core; the driver and its clients on the other one. */
export const SERVER_CORE = 0
export const CLIENT_CORE = 1

let tasksetAvailable: boolean | undefined

let pinningWanted = true

/**
 * Whether processes are pinned: `taskset` exists and `stopPinning` was not called. Pinning is what
 * makes CPU figures comparable; profiles need it off (see stopPinning).
 */
export const hasTaskset = (): boolean => {
  tasksetAvailable ??= spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0
  return pinningWanted && tasksetAvailable
}

/**
 * Runs everything unpinned from now on. V8's sampling profiler samples from a thread of its own:
 * with the server pinned to one core that thread gets the core only when the main thread blocks,
 * so a `--cpu-prof` profile of a pinned server sees it idle and charges what it does see to the
 * syscalls it blocks in.
 */
export const stopPinning = (): void => {
  pinningWanted = false
}

/** Pins every thread of the current process (the driver and its clients) to CLIENT_CORE. */
export const pinSelf = (): boolean => {
  if (!hasTaskset()) return false
  const result = spawnSync('taskset', ['-a', '-cp', String(CLIENT_CORE), String(process.pid)], {
    stdio: 'ignore',
  })
  return result.status === 0
}

const live = new Set<ChildProcess>()

const killGroup = (child: ChildProcess, signal: NodeJS.Signals): void => {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
  try {
    process.kill(-child.pid, signal)
  } catch {
    // The group is already gone.
  }
}

let hooksInstalled = false

const installExitHooks = (): void => {
  if (hooksInstalled) return
  hooksInstalled = true
  process.on('exit', () => {
    for (const child of live) killGroup(child, 'SIGKILL')
  })
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      for (const child of live) killGroup(child, 'SIGKILL')
      process.exit(130)
    })
  }
}

export interface PinnedSpawnOptions {
  readonly core: number
  readonly env: NodeJS.ProcessEnv
  readonly cwd: string
  /** Open an IPC channel (advanced serialization, so Uint8Array crosses as is). */
  readonly ipc: boolean
}

/** Spawns `command args` in a new process group, pinned to `core` when taskset exists. */
export const spawnPinned = (
  command: string,
  args: readonly string[],
  options: PinnedSpawnOptions,
): ChildProcess => {
  installExitHooks()
  const pinned = hasTaskset()
  const spawnOptions: SpawnOptions = {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
    serialization: 'advanced',
  }
  // taskset execs the command, so the pid we hold is the server's own pid (for /proc reads).
  const child = pinned
    ? spawn('taskset', ['-c', String(options.core), command, ...args], spawnOptions)
    : spawn(command, args, spawnOptions)
  live.add(child)
  child.once('exit', () => live.delete(child))
  return child
}

/** SIGTERM to the group, then SIGKILL after `graceMs`; resolves once the child has exited. */
export const stopChild = async (child: ChildProcess, graceMs = 5000): Promise<void> => {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  killGroup(child, 'SIGTERM')
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs)
  try {
    await exited
  } finally {
    clearTimeout(timer)
  }
}

/** A port free on 127.0.0.1 right now (for servers that must be told their port up front). */
export const freePort = async (): Promise<number> => {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  server.close()
  await once(server, 'close')
  return port
}
