/**
 * The caret a signed-in person announces carries exactly the identity the server stamps on
 * awareness states, so the server relays it as it came instead of re-encoding it on every
 * keystroke (server/rooms/awareness-filter.ts).
 */
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness'
import type { User } from '../../../shared/api.ts'
import { colorForUser } from '../../../shared/user-color.ts'
import { useIdentityStore } from '../../../client/stores/identity.ts'
import { identityOf } from '../../../server/realtime/awareness-handlers.ts'
import { filterAwarenessUpdate } from '../../../server/rooms/awareness-filter.ts'

const USER: User = {
  id: '3f0c1d2e-4b5a-4c6d-8e7f-9a0b1c2d3e4f',
  username: 'ada.lovelace',
  color: colorForUser('3f0c1d2e-4b5a-4c6d-8e7f-9a0b1c2d3e4f'),
}

const signedIn = async (user: User): Promise<ReturnType<typeof useIdentityStore>> => {
  const identity = useIdentityStore()
  await identity.signIn(
    {
      login: () =>
        Promise.resolve({
          user,
          expiresAt: '2030-01-01T00:00:00.000Z',
          token: 'access',
          refreshToken: 'refresh',
          refreshExpiresAt: '2030-01-02T00:00:00.000Z',
        }),
    },
    { username: user.username, password: 'correct horse battery' },
  )
  return identity
}

/** One awareness frame of a replica whose local state is `state`. */
const frameOf = (state: Record<string, unknown>): Uint8Array => {
  const awareness = new Awareness(new Y.Doc())
  awareness.setLocalState(state)
  const frame = encodeAwarenessUpdate(awareness, [awareness.clientID])
  awareness.destroy()
  return frame
}

describe('the signed-in person as a caret', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('is the identity the server stamps, fields in its order', async () => {
    const identity = await signedIn(USER)
    const stamped = identityOf({ user: USER, sessionId: 's' })
    expect(identity.person).toEqual({ id: USER.id, name: USER.username, color: USER.color })
    expect(Object.keys(identity.person)).toEqual(Object.keys(stamped))
  })

  it('is relayed by the server as it came, not re-encoded', async () => {
    const identity = await signedIn(USER)
    const frame = frameOf({ user: { ...identity.person }, cursor: { anchor: 1, head: 2 } })
    const filtered = filterAwarenessUpdate(
      frame,
      () => true,
      identityOf({ user: USER, sessionId: 's' }),
    )
    expect(filtered?.update).toBe(frame)
  })

  it('without an account is a stand-in the server stamps over', async () => {
    const identity = useIdentityStore()
    expect(identity.person).toEqual({ name: 'You', color: expect.stringMatching(/^#/) })
    const frame = frameOf({ user: { ...identity.person } })
    const filtered = filterAwarenessUpdate(
      frame,
      () => true,
      identityOf({ user: USER, sessionId: 's' }),
    )
    expect(filtered?.update).not.toBe(frame)
    expect(filtered?.entries[0]?.state?.user).toEqual({
      id: USER.id,
      name: USER.username,
      color: USER.color,
    })
  })
})
