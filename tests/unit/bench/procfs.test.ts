import { existsSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { cpuTimes, startWindow } from '../../../bench/lib/procfs.ts'

// The counters come from /proc, which only Linux has; elsewhere the bench reports "n/a".
const hasProc = existsSync(`/proc/${process.pid}/stat`)

describe.runIf(hasProc)('server CPU from /proc', () => {
  it("splits a process's CPU time into user space and kernel, neither going backwards", () => {
    const before = cpuTimes(process.pid)
    expect(before).not.toBeNull()
    expect(before?.user).toBeGreaterThan(0)
    expect(before?.system).toBeGreaterThanOrEqual(0)
    const after = cpuTimes(process.pid)
    expect(after?.user).toBeGreaterThanOrEqual(before?.user ?? 0)
    expect(after?.system).toBeGreaterThanOrEqual(before?.system ?? 0)
  })

  it("reports a window's kernel time as a part of its CPU time", () => {
    const end = startWindow(process.pid)
    // Work in both: system calls (spawning a process) and user space.
    for (let i = 0; i < 5; i += 1) spawnSync(process.execPath, ['-e', '0'])
    const window = end()
    expect(window.cpuSeconds).not.toBeNull()
    expect(window.systemSeconds).not.toBeNull()
    expect(window.systemSeconds).toBeGreaterThanOrEqual(0)
    expect(window.systemSeconds).toBeLessThanOrEqual(window.cpuSeconds ?? 0)
  })

  it('reads nothing, rather than throwing, for a process that is gone', () => {
    const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], {
      encoding: 'utf8',
    })
    const pid = Number(gone.stdout.trim())
    expect(cpuTimes(pid)).toBeNull()
    const window = startWindow(pid)()
    expect(window.cpuSeconds).toBeNull()
    expect(window.systemSeconds).toBeNull()
  })
})
