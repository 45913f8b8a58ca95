/** What the results were measured on: machine, runtime and the versions of every peer. */
import { readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { CoreHops } from './core-hops.ts'
import { driverHeapControlled } from './driver-heap.ts'
import { hasTaskset } from './processes.ts'

export interface MachineInfo {
  readonly nproc: number
  readonly cpuModel: string
  readonly node: string
  readonly kernel: string
  readonly taskset: boolean
  /** The driver ran with driver-heap.ts's flags (absent in results recorded before 2026-12-07). */
  readonly driverHeapControlled?: boolean
  readonly loadAverage: readonly number[]
  /** Idle round trip between the two cores (core-hops.ts); null when it could not be measured. */
  readonly coreHops?: CoreHops | null
}

export const machineInfo = (): MachineInfo => {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown'
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))
    if (match?.[1]) cpuModel = match[1].trim()
  } catch {
    // not Linux: os.cpus() has it
  }
  return {
    // Not availableParallelism(): the driver pins itself to one core, which that would report.
    nproc: os.cpus().length,
    cpuModel,
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
    taskset: hasTaskset(),
    driverHeapControlled: driverHeapControlled(),
    loadAverage: os.loadavg().map((value) => Math.round(value * 100) / 100),
  }
}

const PACKAGES = [
  'yjs',
  'y-protocols',
  'socket.io',
  'socket.io-client',
  '@hocuspocus/server',
  '@hocuspocus/provider',
  'y-websocket',
  '@y/websocket-server',
  'y-socket.io',
  'ws',
  'better-sqlite3',
] as const

export const packageVersions = (repoRoot: string): Record<string, string> => {
  const versions: Record<string, string> = {}
  for (const name of PACKAGES) {
    try {
      const file = path.join(repoRoot, 'node_modules', name, 'package.json')
      const { version } = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }
      versions[name] = typeof version === 'string' ? version : 'unknown'
    } catch {
      versions[name] = 'not installed'
    }
  }
  return versions
}
