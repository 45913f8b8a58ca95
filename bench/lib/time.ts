/** Timing helpers. Benchmarks pace load with timers; correctness waits use events or `waitFor`. */
import { setTimeout as delay } from 'node:timers/promises'

export const now = (): number => performance.now()

/**
 * A clock every process on this machine shares (ms since the epoch, sub-µs resolution): each
 * process's time origin plus its monotonic time since. For latencies that start in one process
 * and end in another (T7); within one process, `now()`.
 */
export const sharedNow = (): number => performance.timeOrigin + performance.now()

export const sleep = (ms: number): Promise<void> => delay(ms)

export class TimeoutError extends Error {
  override name = 'TimeoutError'
}

/** Rejects with TimeoutError naming `what` when `promise` takes longer than `ms`. */
export const withTimeout = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new TimeoutError(`${what} took longer than ${Math.round(ms)} ms`)),
      ms,
    )
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** Polls `check` every `everyMs` until it holds; throws TimeoutError after `ms`. */
export const waitFor = async (
  check: () => boolean | Promise<boolean>,
  ms: number,
  what: string,
  everyMs = 10,
): Promise<void> => {
  const deadline = now() + ms
  while (!(await check())) {
    if (now() > deadline) throw new TimeoutError(`${what}: not reached within ${ms} ms`)
    await sleep(everyMs)
  }
}
