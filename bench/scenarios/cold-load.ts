/** Opening a stored document from a fresh client until its whole content is there (T4, T6). */
import type { ClientAdapter } from '../clients/types.ts'
import { BENCH_TEXT } from '../lib/documents.ts'
import { now, waitFor, withTimeout } from '../lib/time.ts'
import type { ServerHandle } from '../servers/types.ts'

export interface OpenLarge {
  readonly ms: number
  /** Closes the client; the caller decides when (e.g. after measuring server heap). */
  close(): void
}

export const openLarge = async (
  client: ClientAdapter,
  server: ServerHandle,
  name: string,
  expectedLength: number,
  timeoutMs: number,
): Promise<OpenLarge> => {
  const startedAt = now()
  const connection = client.connect(server)
  const opened = connection.open(name)
  const close = (): void => {
    opened.destroy()
    connection.close()
  }
  try {
    await withTimeout(opened.whenSynced(), timeoutMs, `loading ${name}`)
    const text = opened.doc.getText(BENCH_TEXT)
    // Synced means the sync handshake finished; the content must be whole as well.
    if (text.length !== expectedLength) {
      await waitFor(() => text.length === expectedLength, timeoutMs, `${name} content`, 2)
    }
  } catch (error) {
    close()
    throw error
  }
  return { ms: now() - startedAt, close }
}

/** Cold loads in a warm process: open, measure, close, wait until the server unloaded it. */
export const coldLoads = async (
  client: ClientAdapter,
  server: ServerHandle,
  name: string,
  expectedLength: number,
  count: number,
): Promise<number[]> => {
  const times: number[] = []
  for (let i = 0; i < count; i++) {
    const load = await openLarge(client, server, name, expectedLength, 60_000)
    load.close()
    times.push(load.ms)
    await server.whenUnloaded(name, 60_000)
  }
  return times
}
