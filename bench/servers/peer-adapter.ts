/**
 * What the three peers have in common on the harness side: a server script that speaks the IPC
 * contract, the shared update log, document names used as ids.
 */
import { waitFor } from '../lib/time.ts'
import { ServerProcess } from './server-process.ts'
import type { ServerAdapter, ServerHandle, ServerName, ServerStartOptions } from './types.ts'

export const peerAdapter = (name: ServerName, script: string): ServerAdapter => ({
  name,
  async start(options: ServerStartOptions): Promise<ServerHandle> {
    const server = await ServerProcess.spawn({
      script,
      env: { ...process.env, DATA_DIR: options.dataDir, SQLITE_SYNCHRONOUS: options.synchronous },
      ...(options.nodeFlags ? { nodeFlags: options.nodeFlags } : {}),
      readiness: { ipc: true },
    })
    const isLoaded = async (doc: string): Promise<boolean> =>
      (await server.request({ kind: 'loaded-docs', name: doc })) === 1
    return {
      name,
      pid: server.pid,
      url: `http://127.0.0.1:${server.port}`,
      docId: (doc) => doc,
      prepare: async () => undefined,
      async seed(entries) {
        for (const entry of entries) {
          await server.request({ kind: 'seed', name: entry.name, update: entry.update })
        }
      },
      heapAfterGc: () => server.request({ kind: 'heap' }),
      loadedDocs: () => server.request({ kind: 'loaded-docs' }),
      storedBytes: (doc) => server.request({ kind: 'stored-bytes', name: doc }),
      whenUnloaded: (doc, timeoutMs) =>
        waitFor(async () => !(await isLoaded(doc)), timeoutMs, `${name} unloading ${doc}`, 20),
      stop: () => server.stop(),
    }
  },
})
