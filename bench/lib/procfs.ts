/**
 * Per-process counters from /proc: CPU time (utime + stime) and write syscalls / bytes. Only
 * Linux has them; elsewhere they read as null and the scenario reports "n/a".
 */
import { readFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'

let ticksPerSecond: number | undefined

const clockTicks = (): number => {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())
    } catch {
      ticksPerSecond = 100
    }
    if (!Number.isFinite(ticksPerSecond) || ticksPerSecond <= 0) ticksPerSecond = 100
  }
  return ticksPerSecond
}

/** CPU seconds the process has used so far, in user space and in the kernel. */
export interface CpuTimes {
  readonly user: number
  readonly system: number
}

export const cpuTimes = (pid: number): CpuTimes | null => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may contain spaces: fields are counted after its closing paren.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ticks = clockTicks()
    return { user: Number(fields[11]) / ticks, system: Number(fields[12]) / ticks }
  } catch {
    return null
  }
}

export interface IoCounters {
  /** write(2)-family calls. */
  readonly syscw: number
  /** Bytes passed to those calls (sockets and files alike). */
  readonly wchar: number
}

export const ioCounters = (pid: number): IoCounters | null => {
  try {
    const text = readFileSync(`/proc/${pid}/io`, 'utf8')
    const read = (key: string): number => {
      const match = new RegExp(`^${key}:\\s*(\\d+)`, 'm').exec(text)
      return match?.[1] === undefined ? Number.NaN : Number(match[1])
    }
    return { syscw: read('syscw'), wchar: read('wchar') }
  } catch {
    return null
  }
}

/** Samples a process's CPU and write counters at the start of a window and reports the deltas. */
export interface ProcessWindow {
  readonly seconds: number
  readonly cpuSeconds: number | null
  /** The part of `cpuSeconds` spent in the kernel (stime): system calls, TCP over loopback. */
  readonly systemSeconds: number | null
  readonly syscw: number | null
  readonly wchar: number | null
}

export const startWindow = (pid: number): (() => ProcessWindow) => {
  const startedAt = performance.now()
  const cpu0 = cpuTimes(pid)
  const io0 = ioCounters(pid)
  return () => {
    const cpu1 = cpuTimes(pid)
    const io1 = ioCounters(pid)
    // Each part's own delta, summed: the kernel's part is then never above the whole by rounding.
    const spent: CpuTimes | null =
      cpu0 && cpu1 ? { user: cpu1.user - cpu0.user, system: cpu1.system - cpu0.system } : null
    return {
      seconds: (performance.now() - startedAt) / 1000,
      cpuSeconds: spent ? spent.user + spent.system : null,
      systemSeconds: spent?.system ?? null,
      syscw: io0 && io1 ? io1.syscw - io0.syscw : null,
      wchar: io0 && io1 ? io1.wchar - io0.wchar : null,
    }
  }
}
