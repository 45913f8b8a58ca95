/**
 * T6 history does not slow loads: one client types the trace through the server edit by edit (a
 * second client follows, which also paces the typist), both leave, the element unloads, and fresh
 * clients cold-load it. --quick types only the first 5,000 patches.
 *
 * The load it is judged against is a T4 load taken beside it: the same document, stored whole as
 * one update (as T4 stores it) in a second element of the same server process, cold-loaded in
 * turn with the typed one. T4's own median comes from other processes minutes away, and a warm
 * server's cold loads drift more than that between runs (27 against 45 ms at the median on one
 * machine within the hour, 2026-12-07), which judged T6 on the drift.
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
    const referenceName = docName('t6', `r${context.repeat}`, 1)
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
    const snapshot = Y.encodeStateAsUpdate(typist.doc)
    await close()
    await server.whenUnloaded(name, 120_000)
    const stored = await server.storedBytes(name)
    await server.seed([{ name: referenceName, update: snapshot }])
    // T6 runs once (typing the trace is long): eleven loads of each, alternating, so that both
    // medians come from the same minutes of the same process.
    const loads: number[] = []
    const referenceLoads: number[] = []
    for (let i = 0; i < (context.quick ? 2 : 11); i++) {
      loads.push(...(await coldLoads(context.client, server, name, length, 1)))
      referenceLoads.push(...(await coldLoads(context.client, server, referenceName, length, 1)))
    }
    const load = median(loads)
    const referenceLoad = median(referenceLoads)
    return {
      'T6.load': load,
      'T6.referenceLoad': referenceLoad,
      'T6.loadVsSnapshotLoad': load / referenceLoad,
      'T6.storedKB': stored / 1024,
      'T6.storedVsSnapshot': stored / snapshot.byteLength,
      'T6.patches': patches.length,
      'T6.typeSeconds': typeSeconds,
    }
  },
}
