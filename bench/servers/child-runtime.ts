/**
 * The harness side inside a peer's server process: answers the IPC requests (forced GC + heap,
 * loaded documents, seeding, stored bytes) and reports readiness. Each peer script supplies the
 * few hooks that differ.
 */
import path from 'node:path'
import { heapAfterGc } from './heap.ts'
import { isServerRequest, type ServerMessage, type ServerRequest } from './ipc.ts'
import { UpdateLog } from './sqlite-persistence.ts'

export interface ChildHooks {
  readonly loadedDocs: () => number
  readonly isLoaded: (name: string) => boolean
}

const send = (message: ServerMessage): void => {
  process.send?.(message)
}

/** The shared store, in DATA_DIR, with SQLITE_SYNCHRONOUS. */
export const openUpdateLog = (): UpdateLog => {
  const dataDir = process.env.DATA_DIR
  if (!dataDir) throw new Error('DATA_DIR must name the data folder')
  const synchronous = process.env.SQLITE_SYNCHRONOUS === 'full' ? 'full' : 'normal'
  return new UpdateLog(path.join(dataDir, 'updates.sqlite'), synchronous)
}

const answer = (request: ServerRequest, log: UpdateLog, hooks: ChildHooks): number => {
  switch (request.kind) {
    case 'heap':
      return heapAfterGc()
    case 'loaded-docs':
      if (request.name === undefined) return hooks.loadedDocs()
      return hooks.isLoaded(request.name) ? 1 : 0
    case 'seed':
      log.append(request.name, request.update)
      return request.update.byteLength
    case 'stored-bytes':
      return log.storedBytes(request.name)
  }
}

/** Wires IPC and signals; call once the server listens on `port`. */
export const serveHarness = (
  port: number,
  log: UpdateLog,
  hooks: ChildHooks,
  close: () => Promise<void>,
): void => {
  process.on('message', (message: unknown) => {
    if (!isServerRequest(message)) return
    try {
      send({ id: message.id, ok: true, value: answer(message, log, hooks) })
    } catch (error) {
      send({ id: message.id, ok: false, error: String(error) })
    }
  })
  // Lost IPC means the harness is gone: do not outlive it.
  process.on('disconnect', () => process.exit(0))
  const stop = (): void => {
    close()
      .catch((error: unknown) => console.error('close failed:', error))
      .finally(() => {
        log.close()
        process.exit(0)
      })
  }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
  send({ kind: 'ready', port })
}
