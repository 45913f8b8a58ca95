/**
 * T6 history does not slow loads: one client types the trace through the server edit by edit (a
 * second client follows, which also paces the typist), both leave, the element unloads, and fresh
 * clients cold-load it. --quick types only the first 5,000 patches.
 */
import * as Y from 'yjs'
import { isAcking } from '../clients/types.ts'
import { BENCH_TEXT, docName } from '../lib/documents.ts'
import { median } from '../lib/stats.ts'
import { now, waitFor, withTimeout } from '../lib/time.ts'
import { applyPatch, loadTrace } from '../lib/trace.ts'
import { coldLoads } from './cold-load.ts'
import type { Scenario } from './types.ts'

const BATCH = 1000

export const history: Scenario = {
  provides: ['T6'],
  title: 'history does not slow loads',
  // Typing 259,778 patches edit by edit takes minutes per server: once per suite run.
  maxRepeats: 1,
  timeLimitMs: (quick) => (quick ? 60_000 : 600_000),
  async run(context) {
    const trace = loadTrace()
    const patches = context.quick ? trace.patches.slice(0, 5000) : trace.patches
    const name = docName('t6', `r${context.repeat}`, 0)
    const server = await context.startServer()
    await server.prepare([name])
    const typistConnection = context.client.connect(server)
    const observerConnection = context.client.connect(server)
    const typist = typistConnection.open(name)
    const observer = observerConnection.open(name)
    const close = context.defer(() => {
      typist.destroy()
      observer.destroy()
      typistConnection.close()
      observerConnection.close()
    })
    await withTimeout(Promise.all([typist.whenSynced(), observer.whenSynced()]), 30_000, 'opening')
    const text = typist.doc.getText(BENCH_TEXT)
    const startedAt = now()
    const caughtUp = (): boolean =>
      Y.getState(observer.doc.store, typist.doc.clientID) >=
      Y.getState(typist.doc.store, typist.doc.clientID)
    for (let i = 0; i < patches.length; i++) {
      const patch = patches[i]
      if (patch) typist.doc.transact(() => applyPatch(text, patch))
      if ((i + 1) % BATCH === 0) await waitFor(caughtUp, 60_000, 'the observer catching up', 2)
    }
    await waitFor(caughtUp, 60_000, 'the observer catching up', 5)
    if (isAcking(typist)) await waitFor(() => typist.unacked() === 0, 60_000, 'acknowledgements', 5)
    const typeSeconds = (now() - startedAt) / 1000
    const length = text.length
    const snapshotBytes = Y.encodeStateAsUpdate(typist.doc).byteLength
    await close()
    await server.whenUnloaded(name, 120_000)
    const stored = await server.storedBytes(name)
    // T6 runs once (typing the trace is long), and its target compares it with T4's median over
    // every repeat: a median of three loads was one noisy sample against a steady one.
    const loads = await coldLoads(context.client, server, name, length, context.quick ? 2 : 11)
    return {
      'T6.load': median(loads),
      'T6.storedKB': stored / 1024,
      'T6.storedVsSnapshot': stored / snapshotBytes,
      'T6.patches': patches.length,
      'T6.typeSeconds': typeSeconds,
    }
  },
}
