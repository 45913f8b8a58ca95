/**
 * Hooks an end-to-end test can call from the page. Installed only when the page was opened with
 * `?e2e=1` (see config.ts). Chromium's offline switch does not cut WebSockets, so tests go offline
 * through the app itself; "offline" is remembered so that a reload stays offline.
 */
import { setHeldOffline } from './config.ts'
import { flushLocalCopies } from './offline/local-copy.ts'

export interface LoresyncTestHooks {
  disconnect(): void
  connect(): void
  /** Resolves once every edit so far is committed to this device's IndexedDB. */
  flushLocalCopies(): Promise<void>
}

declare global {
  interface Window {
    __loresync?: LoresyncTestHooks
  }
}

export const installTestHooks = (connection: { goOffline(): void; goOnline(): void }): void => {
  window.__loresync = Object.freeze({
    disconnect: () => {
      setHeldOffline(true)
      connection.goOffline()
    },
    connect: () => {
      setHeldOffline(false)
      connection.goOnline()
    },
    flushLocalCopies,
  })
}
