/** Awaiting events instead of sleeping: resolve when a condition holds, checked on every change. */

/**
 * Resolves once `condition()` is true, re-checking whenever `subscribe`'s callback fires. Rejects
 * after `timeoutMs` with `what` in the message, so a hung test says what it waited for.
 */
export const until = (
  what: string,
  condition: () => boolean,
  subscribe: (check: () => void) => () => void,
  timeoutMs = 10_000,
): Promise<void> =>
  new Promise((resolve, reject) => {
    if (condition()) return resolve()
    let unsubscribe = (): void => {}
    const timer = setTimeout(() => {
      unsubscribe()
      reject(new Error(`timed out waiting for ${what}`))
    }, timeoutMs)
    unsubscribe = subscribe(() => {
      if (!condition()) return
      clearTimeout(timer)
      unsubscribe()
      resolve()
    })
  })

type LooseEmitter = {
  on(name: string, f: () => void): unknown
  off(name: string, f: () => void): unknown
}

/** Subscribes to one named event of a Yjs/lib0/Socket.IO-style emitter. */
export const onEvent =
  (emitter: object, name: string) =>
  (check: () => void): (() => void) => {
    const target = emitter as LooseEmitter
    target.on(name, check)
    return () => {
      target.off(name, check)
    }
  }

/** Combines several subscriptions into one. */
export const anyOf =
  (...subscriptions: ((check: () => void) => () => void)[]) =>
  (check: () => void): (() => void) => {
    const offs = subscriptions.map((subscribe) => subscribe(check))
    return () => offs.forEach((off) => off())
  }
