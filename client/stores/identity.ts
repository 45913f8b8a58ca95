/**
 * Who this person is: the signed-in account, as the server knows it. Its username and color are
 * what everyone else sees next to this person's caret (the server stamps them on every awareness
 * state). The last account is remembered on this device so the app can open offline.
 */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { CredentialsBody, User } from '../../shared/api.ts'
import { ApiError, type Api } from '../api/http.ts'
import { FALLBACK_COLOR, sanitizePerson, type Person } from '../model/peers.ts'

export const IDENTITY_KEY = 'loresync:account'

export type IdentityStatus = 'checking' | 'signed-in' | 'signed-out'

const readRemembered = (): User | null => {
  try {
    const raw = window.localStorage.getItem(IDENTITY_KEY)
    if (raw === null) return null
    const value: unknown = JSON.parse(raw)
    if (typeof value !== 'object' || value === null) return null
    const { id, username, color } = value as Partial<Record<keyof User, unknown>>
    if (typeof id !== 'string' || typeof username !== 'string' || typeof color !== 'string') {
      return null
    }
    return { id, username, color }
  } catch {
    return null
  }
}

const remember = (user: User | null): void => {
  try {
    if (user) window.localStorage.setItem(IDENTITY_KEY, JSON.stringify(user))
    else window.localStorage.removeItem(IDENTITY_KEY)
  } catch {
    // Without storage the app cannot open offline; online it is unaffected.
  }
}

export const useIdentityStore = defineStore('identity', () => {
  const user = ref<User | null>(null)
  const status = ref<IdentityStatus>('checking')
  /** True when the account comes from this device's memory because the server was unreachable. */
  const remembered = ref(false)

  const person = computed<Person>(() => {
    const account = user.value
    const shown = sanitizePerson({ name: account?.username, color: account?.color })
    if (!shown) return { name: 'You', color: FALLBACK_COLOR }
    // The account's id, and the fields in the order the server stamps them: a caret that already
    // carries the session's identity is relayed as it came instead of being re-encoded by the
    // server on every keystroke (server/rooms/awareness-filter.ts).
    return account ? { id: account.id, ...shown } : shown
  })

  const accept = (next: User): void => {
    user.value = next
    status.value = 'signed-in'
    remembered.value = false
    remember(next)
  }

  /**
   * Asks the server who we are, when this device has signed in before (otherwise there is no
   * session to ask about, and the sign-in page shows at once). Offline, the account last seen on
   * this device stands in until the server can be asked.
   */
  async function restore(api: Pick<Api, 'me'>): Promise<void> {
    const known = readRemembered()
    if (!known) {
      status.value = 'signed-out'
      return
    }
    try {
      accept((await api.me()).user)
    } catch (error) {
      if (error instanceof ApiError && error.code === 'network') {
        user.value = known
        status.value = 'signed-in'
        remembered.value = true
        return
      }
      if (!(error instanceof ApiError) || error.code !== 'unauthenticated') {
        console.error('Checking the session failed; showing the sign-in page.', error)
      }
      user.value = null
      status.value = 'signed-out'
    }
  }

  async function signIn(api: Pick<Api, 'login'>, credentials: CredentialsBody): Promise<void> {
    accept((await api.login(credentials)).user)
  }

  async function register(api: Pick<Api, 'register'>, credentials: CredentialsBody): Promise<void> {
    accept((await api.register(credentials)).user)
  }

  /** The server ended the session (a refresh was refused). */
  function sessionEnded(): void {
    user.value = null
    status.value = 'signed-out'
  }

  async function signOut(api: Pick<Api, 'logout'>): Promise<void> {
    try {
      await api.logout()
    } finally {
      user.value = null
      status.value = 'signed-out'
      remember(null)
    }
  }

  return { user, status, remembered, person, restore, signIn, register, sessionEnded, signOut }
})
