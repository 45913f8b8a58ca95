/**
 * The behaviour every `AccountStore` promises (account-store.ts), as one suite that each
 * implementation runs against itself (`describeAccountStoreContract('SqliteStore', makeStore)`).
 * The stores under test keep documents too: memberships reference worlds, and element access
 * reads the element index.
 */
import { randomUUID } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { encodeSeedUpdate } from '../../../shared/element-doc.ts'
import type { Role } from '../../../shared/roles.ts'
import type {
  AccountStore,
  InviteRecord,
  SessionRecord,
  UserRecord,
} from '../../../server/storage/account-store.ts'
import type { DocumentStore, ElementRecord, WorldRecord } from '../../../server/storage/store.ts'

export interface AccountStoreFixture {
  readonly store: AccountStore & DocumentStore
  readonly cleanup: () => Promise<void>
}

const T0 = '2024-05-01T10:00:00.000Z'
const T1 = '2024-05-01T10:05:00.000Z'
const T2 = '2024-05-01T10:10:00.000Z'
const T3 = '2024-05-01T10:15:00.000Z'

const newUser = (username: string): UserRecord => ({
  id: randomUUID(),
  username,
  usernameKey: username.toLowerCase(),
  passwordHash: `scrypt$test$${randomUUID()}`,
  createdAt: T0,
})

const newSession = (userId: string, expiresAt = T2): SessionRecord => ({
  id: randomUUID(),
  userId,
  refreshGeneration: 0,
  createdAt: T0,
  expiresAt,
})

const newWorld = (name = 'Aster', createdAt = T0): WorldRecord => ({
  id: randomUUID(),
  name,
  createdAt,
})

export const describeAccountStoreContract = (
  name: string,
  makeStore: () => Promise<AccountStoreFixture>,
): void => {
  describe(`AccountStore contract: ${name}`, () => {
    let fixture: AccountStoreFixture
    let store: AccountStore & DocumentStore

    beforeEach(async () => {
      fixture = await makeStore()
      store = fixture.store
    })

    afterEach(async () => {
      await fixture.cleanup()
    })

    const user = async (username = `user-${randomUUID().slice(0, 8)}`): Promise<UserRecord> => {
      const record = newUser(username)
      expect(await store.createUser(record)).toBe(true)
      return record
    }

    /** A world owned by `owner`, with the others added in the given roles. */
    const world = async (
      owner: UserRecord,
      others: readonly (readonly [UserRecord, Role])[] = [],
    ): Promise<WorldRecord> => {
      const record = newWorld()
      await store.createWorldWithOwner(record, owner.id)
      for (const [member, role] of others) {
        expect(await store.addMemberIfAbsent(record.id, member.id, role)).toBe(true)
      }
      return record
    }

    describe('users', () => {
      it('creates a user and finds it by id and by name key', async () => {
        const ilse = await user('Ilse')
        expect(await store.getUser(ilse.id)).toEqual(ilse)
        expect(await store.getUserByName('ilse')).toEqual(ilse)
        expect(await store.getUser(randomUUID())).toBeUndefined()
        expect(await store.getUserByName('nobody')).toBeUndefined()
      })

      it('refuses a second user with the same name key, whatever its case', async () => {
        const first = await user('Ilse')
        expect(await store.createUser(newUser('ILSE'))).toBe(false)
        expect(await store.getUserByName('ilse')).toEqual(first)
      })

      it('keeps odd usernames byte for byte, and matches them only exactly', async () => {
        const odd = ["Robert'); DROP TABLE users; --", '% _ \\ ? $1 :name', 'é 日本語 🐉']
        for (const name of odd) await user(name)
        for (const name of odd) {
          expect((await store.getUserByName(name.toLowerCase()))?.username).toBe(name)
        }
        expect(await store.getUserByName('%')).toBeUndefined()
      })
    })

    describe('sessions', () => {
      it('creates, gets and deletes a session', async () => {
        const ilse = await user()
        const session = newSession(ilse.id)
        await store.createSession(session)
        expect(await store.getSession(session.id)).toEqual(session)
        await store.deleteSession(session.id)
        expect(await store.getSession(session.id)).toBeUndefined()
        // Deleting twice is harmless.
        await store.deleteSession(session.id)
      })

      it('moves a session one generation on per refresh and extends it', async () => {
        const ilse = await user()
        const session = newSession(ilse.id)
        await store.createSession(session)

        expect(await store.consumeRefresh(session.id, 0, T1, T3)).toBe(true)
        expect(await store.getSession(session.id)).toEqual({
          ...session,
          refreshGeneration: 1,
          expiresAt: T3,
        })
        // The generation-0 token again: a replay.
        expect(await store.consumeRefresh(session.id, 0, T1, T3)).toBe(false)
        expect(await store.consumeRefresh(session.id, 1, T1, T3)).toBe(true)
        expect((await store.getSession(session.id))?.refreshGeneration).toBe(2)
      })

      it('refuses to refresh an expired, deleted or unknown session', async () => {
        const ilse = await user()
        const expired = newSession(ilse.id, T1)
        const deleted = newSession(ilse.id)
        await store.createSession(expired)
        await store.createSession(deleted)
        await store.deleteSession(deleted.id)

        // Expiring exactly at `now` counts as expired.
        expect(await store.consumeRefresh(expired.id, 0, T1, T3)).toBe(false)
        expect(await store.consumeRefresh(deleted.id, 0, T0, T3)).toBe(false)
        expect(await store.consumeRefresh(randomUUID(), 0, T0, T3)).toBe(false)
        expect(await store.getSession(expired.id)).toEqual(expired)
      })

      it('lets exactly one of several concurrent refreshes with the same token through', async () => {
        const ilse = await user()
        const session = newSession(ilse.id)
        await store.createSession(session)
        const results = await Promise.all(
          Array.from({ length: 8 }, () => store.consumeRefresh(session.id, 0, T1, T3)),
        )
        expect(results.filter(Boolean)).toHaveLength(1)
        expect((await store.getSession(session.id))?.refreshGeneration).toBe(1)
      })

      it('refuses a session for a user that does not exist', async () => {
        await expect(store.createSession(newSession(randomUUID()))).rejects.toThrow()
      })
    })

    describe('worlds and members', () => {
      it('creates a world with its owner and lists it among the worlds of each member', async () => {
        const [ilse, tomas, vera] = [await user('ilse'), await user('tomas'), await user('vera')]
        const older = newWorld('Brume', T0)
        const newer = newWorld('Aster', T1)
        await store.createWorldWithOwner(newer, ilse.id)
        await store.createWorldWithOwner(older, ilse.id)
        await store.addMemberIfAbsent(newer.id, tomas.id, 'viewer')

        expect(await store.getWorld(newer.id)).toEqual(newer)
        expect(await store.getRole(newer.id, ilse.id)).toBe('owner')
        expect(await store.listWorldsOf(ilse.id)).toEqual([
          { ...older, role: 'owner' },
          { ...newer, role: 'owner' },
        ])
        expect(await store.listWorldsOf(tomas.id)).toEqual([{ ...newer, role: 'viewer' }])
        expect(await store.listWorldsOf(vera.id)).toEqual([])
        expect(await store.getRole(newer.id, vera.id)).toBeUndefined()
      })

      it('creates no world when its owner cannot be added', async () => {
        const orphan = newWorld()
        await expect(store.createWorldWithOwner(orphan, randomUUID())).rejects.toThrow()
        expect(await store.getWorld(orphan.id)).toBeUndefined()
      })

      it('lists members with their usernames, ordered by name key', async () => {
        const [owner, b, a] = [await user('Mira'), await user('bruno'), await user('Anton')]
        const aster = await world(owner, [
          [b, 'editor'],
          [a, 'viewer'],
        ])
        expect(await store.listMembers(aster.id)).toEqual([
          { worldId: aster.id, userId: a.id, username: 'Anton', role: 'viewer' },
          { worldId: aster.id, userId: b.id, username: 'bruno', role: 'editor' },
          { worldId: aster.id, userId: owner.id, username: 'Mira', role: 'owner' },
        ])
        expect(await store.listMembers(randomUUID())).toEqual([])
      })

      it('adds a member only once, keeping the first role', async () => {
        const [owner, tomas] = [await user(), await user()]
        const aster = await world(owner, [[tomas, 'viewer']])
        expect(await store.addMemberIfAbsent(aster.id, tomas.id, 'editor')).toBe(false)
        expect(await store.getRole(aster.id, tomas.id)).toBe('viewer')
        expect(await store.addMemberIfAbsent(aster.id, owner.id, 'viewer')).toBe(false)
        expect(await store.getRole(aster.id, owner.id)).toBe('owner')
      })

      it('changes roles and removes members, but never the last owner', async () => {
        const [owner, tomas, vera] = [await user(), await user(), await user()]
        const aster = await world(owner, [[tomas, 'viewer']])

        expect(await store.changeRole(aster.id, tomas.id, 'editor')).toBe('changed')
        expect(await store.getRole(aster.id, tomas.id)).toBe('editor')
        expect(await store.changeRole(aster.id, vera.id, 'editor')).toBe('not-member')
        expect(await store.removeMember(aster.id, vera.id)).toBe('not-member')
        expect(await store.changeRole(aster.id, owner.id, 'editor')).toBe('last-owner')
        expect(await store.removeMember(aster.id, owner.id)).toBe('last-owner')
        // An owner may be "changed" to owner: the world keeps its owner.
        expect(await store.changeRole(aster.id, owner.id, 'owner')).toBe('changed')

        expect(await store.changeRole(aster.id, tomas.id, 'owner')).toBe('changed')
        expect(await store.removeMember(aster.id, owner.id)).toBe('changed')
        expect(await store.getRole(aster.id, owner.id)).toBeUndefined()
        expect(await store.listWorldsOf(owner.id)).toEqual([])
        expect(await store.removeMember(aster.id, tomas.id)).toBe('last-owner')
      })

      it('keeps an owner when two owners demote or remove each other at the same moment', async () => {
        for (let round = 0; round < 5; round++) {
          const [a, b] = [await user(), await user()]
          const aster = await world(a, [[b, 'owner']])
          const results = await Promise.all([
            store.changeRole(aster.id, a.id, 'viewer'),
            round % 2 === 0
              ? store.changeRole(aster.id, b.id, 'editor')
              : store.removeMember(aster.id, b.id),
          ])
          expect([...results].sort()).toEqual(['changed', 'last-owner'])
          const owners = (await store.listMembers(aster.id)).filter((m) => m.role === 'owner')
          expect(owners).toHaveLength(1)
        }
      })

      it('tells where an element lives and what the user may do there', async () => {
        const [owner, tomas, stranger] = [await user(), await user(), await user()]
        const aster = await world(owner, [[tomas, 'viewer']])
        const element: ElementRecord = {
          id: randomUUID(),
          worldId: aster.id,
          kind: 'location',
          name: 'Harrow',
          summary: '',
          updatedAt: T0,
        }
        await store.createElement(element, encodeSeedUpdate(element))

        expect(await store.getElementAccess(element.id, owner.id)).toEqual({
          worldId: aster.id,
          role: 'owner',
        })
        expect(await store.getElementAccess(element.id, tomas.id)).toEqual({
          worldId: aster.id,
          role: 'viewer',
        })
        expect(await store.getElementAccess(element.id, stranger.id)).toEqual({
          worldId: aster.id,
          role: undefined,
        })
        expect(await store.getElementAccess(randomUUID(), owner.id)).toBeUndefined()
      })
    })

    describe('invites', () => {
      const invite = (worldId: string, createdBy: string, expiresAt = T2): InviteRecord => ({
        id: randomUUID(),
        tokenHash: randomUUID().replaceAll('-', ''),
        worldId,
        role: 'editor',
        createdBy,
        createdAt: T0,
        expiresAt,
      })

      it('finds an invite by token hash until it expires', async () => {
        const owner = await user()
        const aster = await world(owner)
        const open = invite(aster.id, owner.id)
        await store.createInvite(open)

        expect(await store.getInvite(open.tokenHash, T1)).toEqual(open)
        expect(await store.getInvite(open.tokenHash, T2)).toBeUndefined()
        expect(await store.getInvite(randomUUID(), T1)).toBeUndefined()
      })

      it('refuses a second invite with the same token hash', async () => {
        const owner = await user()
        const aster = await world(owner)
        const first = invite(aster.id, owner.id)
        await store.createInvite(first)
        await expect(
          store.createInvite({ ...invite(aster.id, owner.id), tokenHash: first.tokenHash }),
        ).rejects.toThrow()
        expect(await store.getInvite(first.tokenHash, T1)).toEqual(first)
      })
    })
  })
}
