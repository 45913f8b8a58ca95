import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import type { Invite, Member } from '../../../shared/api.ts'
import { ApiError } from '../../../client/api/http.ts'
import { useMembersStore, type MembersApi } from '../../../client/stores/members.ts'
import { WORLD, fakeMembersApi, member } from './members-fixtures.ts'

const OTHER_WORLD = '7a1c2a4e-8b1d-4c3e-9f2a-1b2c3d4e5f61'

/** A promise the test settles by hand, to interleave answers. */
const deferred = <T>() => {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((done) => {
    resolve = done
  })
  return { promise, resolve }
}

describe('members store', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('lists owners first, then editors, then viewers, by name', async () => {
    const { api } = fakeMembersApi([
      member('zed', 'viewer'),
      member('bea', 'editor'),
      member('Ada', 'viewer'),
      member('owen', 'owner'),
    ])
    const store = useMembersStore()
    await store.load(api, WORLD)
    expect(store.loaded).toBe(true)
    expect(store.sorted.map((m) => `${m.role}:${m.username}`)).toEqual([
      'owner:owen',
      'editor:bea',
      'viewer:Ada',
      'viewer:zed',
    ])
  })

  it('checks a username with the server’s own schema before sending it', async () => {
    const { api, calls } = fakeMembersApi([member('owen', 'owner')])
    const store = useMembersStore()
    await store.load(api, WORLD)
    expect(await store.add(api, { username: 'no spaces', role: 'viewer' })).toBeNull()
    expect(store.errors.add).toBe(
      'The username may contain only letters, digits, ".", "_" and "-".',
    )
    expect(calls.filter((call) => call.startsWith('addMember'))).toEqual([])

    const added = await store.add(api, { username: ' vera ', role: 'viewer' })
    expect(added).toMatchObject({ username: 'vera', role: 'viewer' })
    expect(store.errors.add).toBe('')
    expect(calls).toContain('addMember vera viewer')
    expect(store.sorted.map((m) => m.username)).toEqual(['owen', 'vera'])
  })

  it('shows the server’s refusal of an invite as a sentence, and keeps the list', async () => {
    const { api } = fakeMembersApi([member('owen', 'owner')])
    const store = useMembersStore()
    await store.load(api, WORLD)
    expect(await store.add(api, { username: 'nobody', role: 'editor' })).toBeNull()
    expect(store.errors.add).toBe('There is no user named "nobody".')
    expect(store.members).toHaveLength(1)
    expect(store.adding).toBe(false)
  })

  it('changes a role on the server’s answer, and says why the last owner cannot step down', async () => {
    const { api } = fakeMembersApi([member('owen', 'owner'), member('vera', 'viewer')])
    const store = useMembersStore()
    await store.load(api, WORLD)

    const vera = store.members.find((m) => m.username === 'vera')!
    const changing = store.changeRole(api, vera.userId, 'editor')
    expect(store.pending).toEqual([vera.userId])
    expect(await changing).toMatchObject({ username: 'vera', role: 'editor' })
    expect(store.pending).toEqual([])
    expect(store.sorted.map((m) => m.role)).toEqual(['owner', 'editor'])

    const owen = store.members.find((m) => m.username === 'owen')!
    expect(await store.changeRole(api, owen.userId, 'editor')).toBeNull()
    expect(store.errors.member).toBe('A world needs an owner: make someone else owner first.')
    expect(store.members.find((m) => m.username === 'owen')?.role).toBe('owner')
    expect(store.pending).toEqual([])
  })

  it('removes a member, and refuses to remove the last owner with the server’s reason', async () => {
    const { api } = fakeMembersApi([member('owen', 'owner'), member('bea', 'editor')])
    const store = useMembersStore()
    await store.load(api, WORLD)
    const bea = store.members.find((m) => m.username === 'bea')!
    expect(await store.remove(api, bea.userId)).toBe(true)
    expect(store.members.map((m) => m.username)).toEqual(['owen'])

    const owen = store.members[0]!
    expect(await store.remove(api, owen.userId)).toBe(false)
    expect(store.errors.member).toBe('A world needs an owner: make someone else owner first.')
    expect(store.members.map((m) => m.username)).toEqual(['owen'])
    // The next attempt starts with a clean slate.
    const { api: fresh } = fakeMembersApi([member('owen', 'owner'), member('cy', 'viewer')])
    await store.load(fresh, WORLD)
    const cy = store.members.find((m) => m.username === 'cy')!
    expect(await store.remove(fresh, cy.userId)).toBe(true)
    expect(store.errors.member).toBe('')
  })

  it('keeps the invite link it created until reset, which forgets it', async () => {
    const { api, calls } = fakeMembersApi([member('owen', 'owner')])
    const store = useMembersStore()
    await store.load(api, WORLD)
    const invite = await store.createInvite(api, 'editor')
    expect(calls).toContain('createInvite editor')
    expect(invite?.url).toMatch(/^\/invite\/[A-Za-z0-9_-]{32}$/)
    expect(store.invite).toEqual(invite)
    store.reset()
    expect(store.invite).toBeNull()
    expect(store.members).toEqual([])
    expect(store.worldId).toBeNull()
  })

  it('reports a network failure with what to do next', async () => {
    const api: MembersApi = {
      ...fakeMembersApi([]).api,
      listMembers: async () => {
        throw new ApiError('network', 'The server could not be reached. Try again.', 0)
      },
    }
    const store = useMembersStore()
    await store.load(api, WORLD)
    expect(store.loaded).toBe(false)
    expect(store.errors.load).toBe('The server could not be reached. Try again.')
  })

  it('drops answers for a world the panel has already left', async () => {
    const slow = deferred<Member[]>()
    const slowInvite = deferred<Invite>()
    const base = fakeMembersApi([member('owen', 'owner')]).api
    const api: MembersApi = {
      ...base,
      listMembers: (worldId) => (worldId === WORLD ? slow.promise : base.listMembers(worldId)),
      createInvite: () => slowInvite.promise,
    }
    const store = useMembersStore()
    const first = store.load(api, WORLD)
    await store.load(api, OTHER_WORLD)
    slow.resolve([member('stale', 'owner')])
    await first
    expect(store.worldId).toBe(OTHER_WORLD)
    expect(store.members.map((m) => m.username)).toEqual(['owen'])

    const link = store.createInvite(api, 'viewer')
    store.reset()
    slowInvite.resolve({ token: 't', url: '/invite/t', role: 'viewer', expiresAt: '' })
    expect(await link).toBeNull()
    expect(store.invite).toBeNull()
  })
})
