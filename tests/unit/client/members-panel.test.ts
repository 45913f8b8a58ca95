// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Member } from '../../../shared/api.ts'
import MembersPanel from '../../../client/components/MembersPanel.vue'
import { SERVICES } from '../../../client/services.ts'
import { WORLD, fakeMembersApi, member } from './members-fixtures.ts'

const mountPanel = async (
  members: readonly Member[],
  { canManage = true, self = members[0] }: { canManage?: boolean; self?: Member } = {},
) => {
  const fake = fakeMembersApi(members)
  const wrapper = mount(MembersPanel, {
    attachTo: document.body,
    props: {
      titleId: 'members-title',
      worldId: WORLD,
      worldName: 'The Shattered Isles',
      canManage,
      selfId: self?.userId ?? null,
    },
    global: {
      plugins: [createPinia()],
      provide: { [SERVICES as symbol]: { api: fake.api } },
    },
  })
  await flushPromises()
  return { wrapper, ...fake }
}

/** The accessible name a control gets from aria-label, a <label for>, or its own text. */
const accessibleName = (element: Element): string => {
  const label = element.getAttribute('aria-label')
  if (label) return label
  const id = element.getAttribute('id')
  const forLabel = id ? document.querySelector(`label[for="${id}"]`) : null
  if (forLabel) return forLabel.textContent?.trim() ?? ''
  return element.textContent?.trim() ?? ''
}

const row = (wrapper: Awaited<ReturnType<typeof mountPanel>>['wrapper'], username: string) =>
  wrapper.find(`[data-testid="member"][data-username="${username}"]`)

describe('members panel', () => {
  afterEach(() => {
    document.body.innerHTML = ''
    vi.unstubAllGlobals()
  })

  it('names every control, so it can be used with a screen reader and the keyboard', async () => {
    const { wrapper } = await mountPanel([member('owen', 'owner'), member('bea', 'editor')])
    const controls = wrapper.findAll('button, input, select')
    expect(controls.length).toBeGreaterThan(6)
    for (const control of controls) {
      expect(accessibleName(control.element), control.html()).not.toBe('')
    }
    expect(accessibleName(row(wrapper, 'bea').find('select').element)).toBe('Role of bea')
    expect(row(wrapper, 'bea').find('button').attributes('aria-label')).toBe('Remove bea')
    // Your own row says so, and its button leaves instead of removing.
    expect(row(wrapper, 'owen').text()).toContain('(you)')
    expect(row(wrapper, 'owen').find('button').attributes('aria-label')).toBe('Leave this world')
    wrapper.unmount()
  })

  it('renders names as text, never as markup', async () => {
    const hostile = member('<img src=x onerror=alert(1)>', 'viewer')
    const { wrapper } = await mountPanel([member('owen', 'owner'), hostile])
    expect(wrapper.find('img').exists()).toBe(false)
    expect(wrapper.find('[data-testid="member-list"]').text()).toContain(hostile.username)
    wrapper.unmount()
  })

  it('invites by username and confirms who was added', async () => {
    const { wrapper, calls } = await mountPanel([member('owen', 'owner')])
    await wrapper.find('input[placeholder="Their username"]').setValue('vera')
    const roleSelect = wrapper
      .findAll('select')
      .find((s) => accessibleName(s.element) === 'Role to give them')!
    await roleSelect.setValue('viewer')
    await wrapper.find('form[aria-labelledby$="-add"]').trigger('submit')
    await flushPromises()
    expect(calls).toContain('addMember vera viewer')
    expect(row(wrapper, 'vera').attributes('data-role')).toBe('viewer')
    expect(wrapper.text()).toContain('Added vera as viewer.')
    wrapper.unmount()
  })

  it('puts a refused role change back and says why', async () => {
    const owen = member('owen', 'owner')
    const { wrapper } = await mountPanel([owen, member('bea', 'editor')])
    const select = row(wrapper, 'owen').find('select')
    await select.setValue('viewer')
    await flushPromises()
    expect((select.element as HTMLSelectElement).value).toBe('owner')
    const alert = wrapper.find('[data-testid="member-error"]')
    expect(alert.attributes('role')).toBe('alert')
    expect(alert.text()).toBe('A world needs an owner: make someone else owner first.')
    expect(wrapper.emitted('selfChanged')).toBeUndefined()

    // Someone else's role changes on the server's answer.
    await row(wrapper, 'bea').find('select').setValue('viewer')
    await flushPromises()
    expect(row(wrapper, 'bea').attributes('data-role')).toBe('viewer')
    wrapper.unmount()
  })

  it('removes a member only after a second, confirming press', async () => {
    const { wrapper, calls } = await mountPanel([member('owen', 'owner'), member('bea', 'editor')])
    const button = row(wrapper, 'bea').find('button')
    await button.trigger('click')
    expect(button.attributes('aria-label')).toBe('Confirm removing bea')
    expect(calls.some((call) => call.startsWith('removeMember'))).toBe(false)
    await button.trigger('click')
    await flushPromises()
    expect(row(wrapper, 'bea').exists()).toBe(false)
    wrapper.unmount()
  })

  it('tells the page when you leave or change your own role', async () => {
    const owen = member('owen', 'owner')
    const { wrapper } = await mountPanel([owen, member('ida', 'owner')])
    await row(wrapper, 'owen').find('select').setValue('editor')
    await flushPromises()
    expect(wrapper.emitted('selfChanged')).toEqual([['editor']])
    wrapper.unmount()
  })

  it('shows an invite link as a full address with a copy button', async () => {
    const writeText = vi.fn(async () => {})
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } })
    const { wrapper, calls } = await mountPanel([member('owen', 'owner')])
    const linkRole = wrapper
      .findAll('select')
      .find((s) => accessibleName(s.element) === 'Role for the link')!
    await linkRole.setValue('editor')
    await wrapper.find('form[aria-labelledby$="-link"]').trigger('submit')
    await flushPromises()
    expect(calls).toContain('createInvite editor')
    const link = wrapper.find('[data-testid="invite-link"]')
    const address = (link.element as HTMLInputElement).value
    expect(address).toBe(`${window.location.origin}/invite/AbCdEfGhIjKlMnOpQrStUvWxYz012345`)
    expect(accessibleName(link.element)).toMatch(/^Invite link, role Editor, valid until/)
    await wrapper
      .findAll('button')
      .find((b) => b.text() === 'Copy link')!
      .trigger('click')
    await flushPromises()
    expect(writeText).toHaveBeenCalledWith(address)
    expect(wrapper.text()).toContain('Link copied.')
    wrapper.unmount()
  })

  it('says when copying is not allowed, and leaves the link selected', async () => {
    vi.stubGlobal('navigator', {
      ...navigator,
      clipboard: { writeText: async () => Promise.reject(new Error('denied')) },
    })
    const { wrapper } = await mountPanel([member('owen', 'owner')])
    await wrapper.find('form[aria-labelledby$="-link"]').trigger('submit')
    await flushPromises()
    await wrapper
      .findAll('button')
      .find((b) => b.text() === 'Copy link')!
      .trigger('click')
    await flushPromises()
    expect(wrapper.text()).toContain('the link is selected, copy it with Ctrl+C')
    wrapper.unmount()
  })

  it('shows everyone else the members and their roles, read-only', async () => {
    const bea = member('bea', 'editor')
    const { wrapper } = await mountPanel([member('owen', 'owner'), bea], {
      canManage: false,
      self: bea,
    })
    expect(wrapper.findAll('[data-testid="member"]').map((r) => r.text())).toEqual([
      expect.stringMatching(/owen\s*Owner/),
      expect.stringMatching(/bea\s*\(you\)\s*Editor/),
    ])
    expect(wrapper.findAll('select')).toHaveLength(0)
    expect(wrapper.findAll('input')).toHaveLength(0)
    expect(wrapper.findAll('button').map((b) => b.attributes('aria-label'))).toEqual([
      'Close members',
    ])
    expect(wrapper.text()).toContain('Only owners can invite people or change roles.')
    wrapper.unmount()
  })
})
