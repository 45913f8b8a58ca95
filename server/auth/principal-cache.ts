/**
 * One principal object per session while it is unchanged, shared by that session's sockets (its
 * tabs, its reconnections): each socket keeps its principal for as long as it is open, and a fresh
 * copy per socket is about 0.2 KB of ids and names that are all the same.
 *
 * Held weakly: once no socket holds a session's principal it is collected, and its entry with it.
 * A principal that differs from the one held (a renamed user) replaces it; sockets that hold the
 * old one keep it, as they would have without sharing.
 */
import type { Principal } from './auth-service.ts'

const samePrincipal = (a: Principal, b: Principal): boolean => {
  if (a.sessionId !== b.sessionId) return false
  const keys = Object.keys(a.user) as (keyof Principal['user'])[]
  return (
    keys.length === Object.keys(b.user).length && keys.every((key) => a.user[key] === b.user[key])
  )
}

export class PrincipalCache {
  private readonly bySession = new Map<string, WeakRef<Principal>>()
  private readonly collected = new FinalizationRegistry<string>((sessionId) => {
    if (this.bySession.get(sessionId)?.deref() === undefined) this.bySession.delete(sessionId)
  })

  /** The principal already held for `fresh`'s session when equal to it, else `fresh` (now held). */
  intern(fresh: Principal): Principal {
    const held = this.bySession.get(fresh.sessionId)?.deref()
    if (held && samePrincipal(held, fresh)) return held
    this.bySession.set(fresh.sessionId, new WeakRef(fresh))
    this.collected.register(fresh, fresh.sessionId)
    return fresh
  }

  /** Sessions currently held (tests). */
  get size(): number {
    return this.bySession.size
  }
}
