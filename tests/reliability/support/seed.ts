/**
 * Seeds for randomized tests: `SEED=<n>` replays a run exactly; without it each run picks one.
 * The seed is printed when a test fails, with the command that replays it.
 */
import * as prng from 'lib0/prng'
import { onTestFailed } from 'vitest'

export const extended = process.env.TEST_EXTENDED === '1'

export const pickSeed = (): number => {
  const given = process.env.SEED
  if (given !== undefined && given !== '') {
    const seed = Number(given)
    if (!Number.isSafeInteger(seed)) throw new Error(`SEED must be an integer, got "${given}"`)
    return seed
  }
  return Math.floor(Math.random() * 0x7fffffff)
}

export interface Random {
  readonly seed: number
  /** An integer in [min, max]. */
  int(min: number, max: number): number
  /** A float in [0, 1). */
  real(): number
  bool(probability?: number): boolean
  pick<T>(items: readonly T[]): T
}

export const createRandom = (seed: number): Random => {
  const gen = prng.create(seed)
  return {
    seed,
    int: (min, max) => prng.int32(gen, min, max),
    real: () => prng.real53(gen),
    bool: (probability = 0.5) => prng.real53(gen) < probability,
    pick: (items) => {
      const item = items[prng.int32(gen, 0, items.length - 1)]
      if (item === undefined) throw new Error('pick from an empty list')
      return item
    },
  }
}

/** A seeded generator for the current test; prints the seed and the replay command on failure. */
export const seededRandom = (file: string): Random => {
  const seed = pickSeed()
  onTestFailed(() => {
    console.error(`\n  replay with: SEED=${seed} npx vitest run ${file}\n`)
  })
  return createRandom(seed)
}
