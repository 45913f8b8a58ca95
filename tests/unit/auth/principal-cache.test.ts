import { describe, expect, it } from 'vitest'
import { PrincipalCache } from '../../../server/auth/principal-cache.ts'

const principal = (sessionId: string, username = 'ada') => ({
  user: { id: 'u1', username, color: '#61afef' },
  sessionId,
})

describe('PrincipalCache', () => {
  it('shares one principal between the sockets of a session while it is unchanged', () => {
    const cache = new PrincipalCache()
    const first = cache.intern(principal('s1'))
    expect(cache.intern(principal('s1'))).toBe(first)
    // Another session, or the same one after a rename, gets its own.
    expect(cache.intern(principal('s2'))).not.toBe(first)
    const renamed = cache.intern(principal('s1', 'ada lovelace'))
    expect(renamed).not.toBe(first)
    expect(renamed.user.username).toBe('ada lovelace')
    expect(cache.intern(principal('s1', 'ada lovelace'))).toBe(renamed)
    expect(cache.size).toBe(2)
  })
})
