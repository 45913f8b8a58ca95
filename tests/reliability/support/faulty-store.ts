/**
 * A store wrapper that injects faults into writes (appends and compactions) and watches the
 * invariants around them: how many writes per document run at once, and whether the document's
 * room is still loaded while its write runs. Every other method passes straight through.
 */
import type { DocumentStore } from '../../../server/storage/store.ts'

export interface FaultPlan {
  /** Added to every write. */
  latencyMs: number
  /** Writes fail (after the latency) until this time (Date.now()). */
  failUntil: number
}

export interface FaultyStore {
  readonly store: DocumentStore
  readonly plan: FaultPlan
  /** Writes that failed on purpose. */
  failures: number
  /** The most writes that ran at once for one document. */
  maxPerDocument: number
  /** Writes that started or ended while their document had no room (a room unloaded too early). */
  readonly unloadedDuringWrite: string[]
  /** Tells the wrapper how to see whether a document's room is loaded (once the app exists). */
  watchRooms(isLoaded: (docId: string) => boolean): void
}

export const faultyStore = (inner: DocumentStore): FaultyStore => {
  const running = new Map<string, number>()
  let isLoaded: ((docId: string) => boolean) | undefined
  const state: FaultyStore = {
    store: inner,
    plan: { latencyMs: 0, failUntil: 0 },
    failures: 0,
    maxPerDocument: 0,
    unloadedDuringWrite: [],
    watchRooms: (check) => (isLoaded = check),
  }
  const write = async <T>(docIds: readonly string[], kind: string, run: () => Promise<T>) => {
    const unique = [...new Set(docIds)]
    for (const docId of unique) {
      const now = (running.get(docId) ?? 0) + 1
      running.set(docId, now)
      state.maxPerDocument = Math.max(state.maxPerDocument, now)
      if (kind === 'append' && isLoaded && !isLoaded(docId)) state.unloadedDuringWrite.push(docId)
    }
    try {
      if (state.plan.latencyMs > 0) {
        // The injected slow disk itself (what the test is about), not a wait for another event.
        await new Promise((resolve) => setTimeout(resolve, state.plan.latencyMs))
      }
      if (Date.now() < state.plan.failUntil) {
        state.failures += 1
        throw new Error(`injected ${kind} failure`)
      }
      return await run()
    } finally {
      for (const docId of unique) {
        if (kind === 'append' && isLoaded && !isLoaded(docId)) state.unloadedDuringWrite.push(docId)
        running.set(docId, running.get(docId)! - 1)
      }
    }
  }
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      if (property === 'appendUpdates') {
        const append: DocumentStore['appendUpdates'] = (entries) =>
          write(
            entries.map((entry) => entry.docId),
            'append',
            () => target.appendUpdates(entries),
          )
        return append
      }
      if (property === 'compact') {
        const compact: DocumentStore['compact'] = (request) =>
          write([request.docId], 'compact', () => target.compact(request))
        return compact
      }
      const value: unknown = Reflect.get(target, property, receiver)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  return Object.assign(state, { store })
}
