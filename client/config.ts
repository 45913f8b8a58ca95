// Declares `import.meta.env` here too, for Node-side type checks of components (their tests) that
// reach this file through services.ts.
/// <reference types="vite/client" />
/**
 * The one place the web app reads its environment: Vite's build-time variables and the page URL.
 * Everything else receives the frozen `AppConfig`.
 */

export interface AppConfig {
  /** Origin of the Loresync server (API and socket); the page's own origin unless built otherwise. */
  readonly serverUrl: string
  /** True when the page was opened by an end-to-end test, which may then drive the connection. */
  readonly testHooks: boolean
}

/** Set by `?e2e=1` and kept, so a reload during a test keeps its hooks. */
export const TEST_HOOKS_KEY = 'loresync:e2e'
/** While set, the app starts without connecting: "offline" survives a reload in tests. */
export const HELD_OFFLINE_KEY = 'loresync:e2e-offline'

const readStorage = (key: string): string | null => {
  try {
    return window.localStorage.getItem(key)
  } catch {
    return null
  }
}

const enableTestHooks = (): boolean => {
  if (new URLSearchParams(window.location.search).get('e2e') === '1') {
    try {
      window.localStorage.setItem(TEST_HOOKS_KEY, '1')
    } catch {
      // Without storage the hooks still work for this page load.
    }
    return true
  }
  return readStorage(TEST_HOOKS_KEY) === '1'
}

export const loadConfig = (): AppConfig => {
  const configured: unknown = import.meta.env.VITE_SERVER_URL
  const serverUrl =
    typeof configured === 'string' && configured.trim() !== ''
      ? configured.trim().replace(/\/+$/, '')
      : window.location.origin
  return Object.freeze({ serverUrl, testHooks: enableTestHooks() })
}

/** Whether a test asked for the connection to stay closed, even across a reload. */
export const isHeldOffline = (config: AppConfig): boolean =>
  config.testHooks && readStorage(HELD_OFFLINE_KEY) === '1'

export const setHeldOffline = (held: boolean): void => {
  try {
    if (held) window.localStorage.setItem(HELD_OFFLINE_KEY, '1')
    else window.localStorage.removeItem(HELD_OFFLINE_KEY)
  } catch {
    // A test without storage cannot survive a reload offline; nothing else depends on this.
  }
}
