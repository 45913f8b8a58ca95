/**
 * Membership marks (server/access/world-access.ts): a mark vouches for an earlier access read only
 * while no membership changed, and never when memberships also change elsewhere (PostgreSQL).
 */
import path from 'node:path'
import { randomUUID } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { WorldAccess } from '../../../server/access/world-access.ts'
import type { UserRecord } from '../../../server/storage/account-store.ts'
import { openSqliteStore, type SqliteStore } from '../../../server/storage/sqlite/sqlite-store.ts'
import { makeTempDir, type TempDir } from '../../helpers/temp-dir.ts'

let dir: TempDir
let store: SqliteStore

const user = async (): Promise<UserRecord> => {
  const name = `user-${randomUUID().slice(0, 8)}`
  const record: UserRecord = {
    id: randomUUID(),
    username: name,
    usernameKey: name,
    passwordHash: 'scrypt$unused',
    createdAt: new Date().toISOString(),
  }
  expect(await store.createUser(record)).toBe(true)
  return record
}

beforeEach(async () => {
  dir = await makeTempDir()
  store = openSqliteStore({ file: path.join(dir.path, 'marks.sqlite'), synchronous: 'normal' })
})

afterEach(async () => {
  await store.close()
  await dir.remove()
})

describe('membership marks', () => {
  it('hold until a membership change is reported, counted before the report', async () => {
    const reported: number[] = []
    const marks: (number | null)[] = []
    const access: WorldAccess = new WorldAccess({
      accounts: store,
      localMemberships: true,
      // The change is already counted when it is reported: a mark taken before no longer holds.
      onMembershipChanged: () => reported.push(Number(access.unchangedSince(marks[0]!))),
    })
    const [owner, member] = [await user(), await user()]
    const world = await access.createWorld(owner.id, { name: 'Marks' })
    marks.push(access.membershipMark())
    expect(access.unchangedSince(marks[0]!)).toBe(true)
    // Reads and refused changes change nothing.
    await access.elementAccess(randomUUID(), member.id)
    expect(await access.removeMember(world.id, member.id)).toBe('not-member')
    expect(access.unchangedSince(marks[0]!)).toBe(true)

    expect(await access.addMember(world.id, member.username, 'editor')).toBe('added')
    expect(reported).toEqual([0])
    expect(access.unchangedSince(marks[0]!)).toBe(false)
    const next = access.membershipMark()
    expect(await access.changeRole(world.id, member.id, 'viewer')).toBe('changed')
    expect(access.unchangedSince(next)).toBe(false)
    const last = access.membershipMark()
    expect(await access.removeMember(world.id, member.id)).toBe('changed')
    expect(access.unchangedSince(last)).toBe(false)
  })

  it('never vouch when memberships are not local (the default)', async () => {
    const access = new WorldAccess({ accounts: store })
    const owner = await user()
    await access.createWorld(owner.id, { name: 'Shared' })
    const mark = access.membershipMark()
    expect(mark).toBeNull()
    expect(access.unchangedSince(mark)).toBe(false)
  })
})
