/**
 * What a server sent over its TCP connections, from the kernel's tcp_info (`ss -ti`): data
 * segments and bytes, summed over the established sockets on the server's port. Unlike
 * /proc/<pid>/io it leaves out storage writes, so it isolates the wire cost.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface SocketCounters {
  readonly dataSegments: number
  readonly bytes: number
}

const sum = (text: string, field: string): number => {
  let total = 0
  for (const match of text.matchAll(new RegExp(`\\b${field}:(\\d+)`, 'g')))
    total += Number(match[1])
  return total
}

/** Null when `ss` is missing or does not report these fields. */
export const socketCounters = async (port: number): Promise<SocketCounters | null> => {
  try {
    const { stdout } = await run('ss', ['-tinH', 'state', 'established', `( sport = :${port} )`], {
      maxBuffer: 64 * 1024 * 1024,
    })
    if (!stdout.includes('bytes_sent:')) return null
    return { dataSegments: sum(stdout, 'data_segs_out'), bytes: sum(stdout, 'bytes_sent') }
  } catch {
    return null
  }
}
