/**
 * Seeds for randomized client tests: `SEED=n` replays one run; otherwise a fixed range runs.
 * Every failure prints the seed that reproduces it.
 */
import * as prng from 'lib0/prng'

export const seedsFromEnv = (count: number): number[] => {
  const fromEnv = process.env.SEED
  if (fromEnv !== undefined && fromEnv !== '') return [Number(fromEnv)]
  return Array.from({ length: count }, (_, i) => i + 1)
}

/** Runs `body` with a generator for `seed`, printing how to replay it when it throws. */
export const withSeed = (seed: number, body: (gen: prng.PRNG) => void): void => {
  try {
    body(prng.create(seed))
  } catch (error) {
    console.error(`Failed with SEED=${seed}; replay with SEED=${seed} npx vitest run <file>`)
    throw error
  }
}
