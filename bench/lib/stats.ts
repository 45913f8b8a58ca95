/** Order statistics over samples: the numbers every table cell is made of. */

export const sorted = (values: readonly number[]): number[] => [...values].sort((a, b) => a - b)

/** Linear-interpolated percentile (p in 0…100) of already sorted values; NaN when empty. */
export const percentileOfSorted = (values: readonly number[], p: number): number => {
  if (values.length === 0) return Number.NaN
  const rank = (p / 100) * (values.length - 1)
  const low = Math.floor(rank)
  const high = Math.ceil(rank)
  const a = values[low] ?? Number.NaN
  const b = values[high] ?? Number.NaN
  return a + (b - a) * (rank - low)
}

export const percentile = (values: readonly number[], p: number): number =>
  percentileOfSorted(sorted(values), p)

export const median = (values: readonly number[]): number => percentile(values, 50)

export interface Spread {
  readonly median: number
  readonly min: number
  readonly max: number
  readonly n: number
}

export const spread = (values: readonly number[]): Spread => {
  const finite = values.filter((value) => Number.isFinite(value))
  const ordered = sorted(finite)
  return {
    median: percentileOfSorted(ordered, 50),
    min: ordered[0] ?? Number.NaN,
    max: ordered[ordered.length - 1] ?? Number.NaN,
    n: ordered.length,
  }
}

/** Least-squares slope of y over x (e.g. CPU seconds per second over edits per second). */
export const slope = (xs: readonly number[], ys: readonly number[]): number => {
  const n = Math.min(xs.length, ys.length)
  if (n < 2) return Number.NaN
  let sx = 0
  let sy = 0
  for (let i = 0; i < n; i++) {
    sx += xs[i] ?? 0
    sy += ys[i] ?? 0
  }
  const mx = sx / n
  const my = sy / n
  let num = 0
  let den = 0
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] ?? 0) - mx
    num += dx * ((ys[i] ?? 0) - my)
    den += dx * dx
  }
  return den === 0 ? Number.NaN : num / den
}
