/**
 * The members of the world whose members panel is open, and what an owner does with them: invite
 * by username, create an invite link, change a role, remove someone. Every change goes to the
 * server first and the list follows its answer, never a guess: a refusal (the last owner, an
 * unknown username) leaves the list as it was and says why, in the place it happened.
 */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { addMemberBody, type Invite, type Member } from '../../shared/api.ts'
import { ROLES, type Role } from '../../shared/roles.ts'
import type { Api } from '../api/http.ts'
import { failureMessage } from '../model/failure-message.ts'

export type MembersApi = Pick<
  Api,
  'listMembers' | 'addMember' | 'changeRole' | 'removeMember' | 'createInvite'
>

/** What the username form holds; checked against `addMemberBody` before it is sent. */
export interface AddMemberInput {
  readonly username: string
  readonly role: Role
}

/** Where a failure is shown: the list itself, the username form, a member's row, the link form. */
export type MembersTask = 'load' | 'add' | 'member' | 'link'

const NO_ERRORS: Readonly<Record<MembersTask, string>> = { load: '', add: '', member: '', link: '' }

/** Owners first, then editors, then viewers; by name within a role. */
export const byRoleThenName = (a: Member, b: Member): number =>
  ROLES.indexOf(a.role) - ROLES.indexOf(b.role) ||
  a.username.localeCompare(b.username, undefined, { sensitivity: 'base' })

export const useMembersStore = defineStore('members', () => {
  const worldId = ref<string | null>(null)
  const members = ref<Member[]>([])
  const loaded = ref(false)
  const errors = ref<Record<MembersTask, string>>({ ...NO_ERRORS })
  /** Users whose row has a change in flight (its controls wait). */
  const pending = ref<string[]>([])
  const adding = ref(false)
  const linking = ref(false)
  /** The last invite link created in this panel; its token is shown only to the owner who made it. */
  const invite = ref<Invite | null>(null)

  const sorted = computed(() => [...members.value].sort(byRoleThenName))

  const fail = (task: MembersTask, failure: unknown): void => {
    errors.value = { ...errors.value, [task]: failureMessage(failure) }
  }
  const clear = (task: MembersTask): void => {
    if (errors.value[task] !== '') errors.value = { ...errors.value, [task]: '' }
  }
  /** Answers for a world the panel has since left are dropped. */
  const stillOn = (id: string): boolean => worldId.value === id

  const put = (member: Member): void => {
    const others = members.value.filter((known) => known.userId !== member.userId)
    members.value = [...others, member]
  }

  const withPending = async <T>(userId: string, work: () => Promise<T>): Promise<T> => {
    pending.value = [...pending.value, userId]
    try {
      return await work()
    } finally {
      pending.value = pending.value.filter((id) => id !== userId)
    }
  }

  /** Fetches the member list of `id`; switching worlds forgets the previous one first. */
  async function load(api: Pick<Api, 'listMembers'>, id: string): Promise<void> {
    if (worldId.value !== id) reset()
    worldId.value = id
    clear('load')
    try {
      const list = await api.listMembers(id)
      if (!stillOn(id)) return
      members.value = list
      loaded.value = true
    } catch (failure) {
      if (stillOn(id)) fail('load', failure)
    }
  }

  /**
   * Adds an account by username, checked first with the schema the server enforces. Resolves with
   * the member as added, or null (the reason is in `errors.add`).
   */
  async function add(api: Pick<Api, 'addMember'>, input: AddMemberInput): Promise<Member | null> {
    const id = worldId.value
    if (!id) return null
    clear('add')
    const parsed = addMemberBody.safeParse(input)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const field = issue?.path[0] === 'role' ? 'role' : 'username'
      errors.value = {
        ...errors.value,
        add: `The ${field} ${issue?.message ?? 'is not valid'}.`,
      }
      return null
    }
    adding.value = true
    try {
      const member = await api.addMember(id, parsed.data)
      if (!stillOn(id)) return null
      put(member)
      return member
    } catch (failure) {
      if (stillOn(id)) fail('add', failure)
      return null
    } finally {
      adding.value = false
    }
  }

  /** Resolves with the member as the server now has them, or null when it refused. */
  async function changeRole(
    api: Pick<Api, 'changeRole'>,
    userId: string,
    role: Role,
  ): Promise<Member | null> {
    const id = worldId.value
    if (!id) return null
    clear('member')
    return withPending(userId, async () => {
      try {
        const member = await api.changeRole(id, userId, role)
        if (!stillOn(id)) return null
        put(member)
        return member
      } catch (failure) {
        if (stillOn(id)) fail('member', failure)
        return null
      }
    })
  }

  /** Resolves with whether the member was removed. */
  async function remove(api: Pick<Api, 'removeMember'>, userId: string): Promise<boolean> {
    const id = worldId.value
    if (!id) return false
    clear('member')
    return withPending(userId, async () => {
      try {
        await api.removeMember(id, userId)
        if (!stillOn(id)) return false
        members.value = members.value.filter((member) => member.userId !== userId)
        return true
      } catch (failure) {
        if (stillOn(id)) fail('member', failure)
        return false
      }
    })
  }

  async function createInvite(api: Pick<Api, 'createInvite'>, role: Role): Promise<Invite | null> {
    const id = worldId.value
    if (!id) return null
    linking.value = true
    clear('link')
    try {
      const created = await api.createInvite(id, role)
      if (!stillOn(id)) return null
      invite.value = created
      return created
    } catch (failure) {
      if (stillOn(id)) fail('link', failure)
      return null
    } finally {
      linking.value = false
    }
  }

  /** Forgets everything, including the last invite link (it is a secret). */
  function reset(): void {
    worldId.value = null
    members.value = []
    loaded.value = false
    errors.value = { ...NO_ERRORS }
    pending.value = []
    adding.value = false
    linking.value = false
    invite.value = null
  }

  return {
    worldId,
    members,
    loaded,
    errors,
    pending,
    adding,
    linking,
    invite,
    sorted,
    load,
    add,
    changeRole,
    remove,
    createInvite,
    reset,
  }
})
