/**
 * Seeded randomness for tests. Every randomized test takes its seed from here, puts it in its test
 * name and assertion messages, and prints how to replay it when it fails, so a red run is always
 * reproducible with `SEED=<n> npx vitest run <file>`.
 */
import * as prng from 'lib0/prng'

/** The seeds a randomized test runs by default: fixed, so CI is repeatable. */
export const DEFAULT_SEEDS: readonly number[] = Array.from(
  { length: 32 },
  (_, index) => 1 + index * 7919,
)

const parseInteger = (name: string, value: string | undefined): number | undefined => {
  if (value === undefined || value === '') return undefined
  const parsed = Number(value)
  if (!Number.isSafeInteger(parsed)) {
    throw new Error(`${name} must be an integer, got "${value}"`)
  }
  return parsed
}

/** `SEED=n` runs exactly that seed; otherwise every default seed runs. */
export const seedFromEnv = (defaults: readonly number[] = DEFAULT_SEEDS): readonly number[] => {
  const seed = parseInteger('SEED', process.env.SEED)
  return seed === undefined ? defaults : [seed]
}

/** True when `SEED` names one seed to replay: extra runs with other seeds stay out of the way. */
export const replayingOneSeed = (): boolean => parseInteger('SEED', process.env.SEED) !== undefined

/** `ITERATIONS=n` scales a randomized test up (big runs are opt-in); otherwise `fallback`. */
export const iterationsFromEnv = (fallback: number): number => {
  const iterations = parseInteger('ITERATIONS', process.env.ITERATIONS)
  if (iterations !== undefined && iterations < 1) throw new Error('ITERATIONS must be at least 1')
  return iterations ?? fallback
}

/** A small façade over lib0's xoroshiro128+ so tests read `random.int(0, 3)`. */
export class Random {
  readonly seed: number
  private readonly gen: prng.PRNG

  constructor(seed: number) {
    this.seed = seed
    this.gen = prng.create(seed)
  }

  /** An integer from `min` to `max`, both included. */
  int(min: number, max: number): number {
    return prng.int32(this.gen, min, max)
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return prng.real53(this.gen) < p
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('cannot pick from an empty list')
    return items[this.int(0, items.length - 1)] as T
  }

  /** Lowercase letters; the length is from `min` to `max`. */
  word(min = 1, max = 8): string {
    return prng.word(this.gen, min, max)
  }

  uint32(): number {
    return prng.uint32(this.gen, 1, 0x7fffffff)
  }

  bytes(length: number): Uint8Array {
    return prng.uint8Array(this.gen, length)
  }
}

/**
 * Runs `body` with a seeded Random; when it fails, says which seed to replay before rethrowing.
 */
export const withSeed = async <T>(
  seed: number,
  body: (random: Random) => Promise<T>,
): Promise<T> => {
  try {
    return await body(new Random(seed))
  } catch (error) {
    console.error(`Failed with seed ${seed}. Replay it with SEED=${seed}.`)
    throw error
  }
}
