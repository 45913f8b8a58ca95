/**
 * A seeded PRNG (mulberry32) so every random choice of a run can be replayed from `SEED`.
 * Each consumer forks its own stream with a label, so adding a consumer does not shift the others.
 */
export interface Prng {
  /** The seed it was created with: `createPrng(prng.seed)` replays it from its start. */
  readonly seed: number
  /** Uniform in [0, 1). */
  next(): number
  /** Uniform integer in [0, max). */
  int(max: number): number
  pick<T>(items: readonly T[]): T
  fork(label: string): Prng
}

const hash = (text: string, seed: number): number => {
  let h = seed ^ 0x9e3779b9
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 0x85ebca6b)
    h ^= h >>> 13
  }
  return h >>> 0
}

export const createPrng = (seed: number): Prng => {
  let state = seed >>> 0
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (max: number): number => Math.floor(next() * max)
  return {
    seed,
    next,
    int,
    pick: <T>(items: readonly T[]): T => {
      const item = items[int(items.length)]
      if (item === undefined) throw new Error('pick() needs a non-empty list')
      return item
    },
    fork: (label) => createPrng(hash(label, seed)),
  }
}
