/**
 * Loresync's real entry point (server/index.ts, configured by its environment) plus the one thing
 * the harness needs from inside: forced GC and heapUsed over IPC.
 */
import { heapAfterGc } from './heap.ts'
import { isServerRequest, type ServerReply } from './ipc.ts'

process.on('message', (message: unknown) => {
  if (!isServerRequest(message)) return
  let reply: ServerReply
  if (message.kind === 'heap') {
    reply = { id: message.id, ok: true, value: heapAfterGc() }
  } else {
    reply = { id: message.id, ok: false, error: `${message.kind} is answered by the harness` }
  }
  process.send?.(reply)
})
// Lost IPC means the harness is gone: shut down the way server/index.ts does on SIGTERM.
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'))

await import('../../server/index.ts')
