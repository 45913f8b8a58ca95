/**
 * World members through the web app, in real Chromium against a real server: an owner invites a
 * viewer by username, who can read but not write; a promotion and a demotion reach the viewer's
 * open page without a reload; an invite link brings a third person in after they sign up.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest'
import { createElement, createWorld, listMembers } from '../helpers/api-client.ts'
import { TEST_PASSWORD, registerUser, uniqueUsername, type TestUser } from '../helpers/auth.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'
import {
  body,
  bodyText,
  focusBodyEnd,
  openElement,
  visit,
  waitForBodyContaining,
  waitUntilSaved,
} from './helpers/app-page.ts'
import { launchBrowser, newPerson, saveScreenshots, type Person } from './helpers/browser.ts'

/** Opens the members dialog from the world's header bar. */
const openMembers = async (page: Page) => {
  await page.getByRole('button', { name: 'Members' }).click()
  const dialog = page.getByRole('dialog', { name: 'Members' })
  await dialog.getByTestId('member-list').waitFor()
  return dialog
}

const closeMembers = async (page: Page): Promise<void> => {
  await page.getByRole('button', { name: 'Close members' }).click()
  await page.getByRole('dialog', { name: 'Members' }).waitFor({ state: 'hidden' })
}

const memberRow = (page: Page, username: string, role: string) =>
  page.locator(`[data-testid="member"][data-username="${username}"][data-role="${role}"]`)

const viewOnly = (page: Page) => page.getByTestId('view-only')
const editableBody = (page: Page) =>
  page.locator('[data-testid="body-editor"][contenteditable="true"]')
const readOnlyBody = (page: Page) =>
  page.locator('[data-testid="body-editor"][contenteditable="false"]')

describe('world members in the web app', () => {
  let server: TestServer
  let browser: Browser
  let owner: TestUser
  let worldId: string

  beforeAll(async () => {
    server = await startTestServer()
    browser = await launchBrowser()
    owner = await registerUser(server.url, uniqueUsername('owen'))
    worldId = (await createWorld({ url: server.url, token: owner.token }, 'The Shattered Isles')).id
  })

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  const people = async (context: TestContext, ...names: string[]): Promise<Person[]> => {
    const list = await Promise.all(names.map((name) => newPerson(browser, name)))
    context.onTestFinished(async ({ task }) => {
      if (task.result?.state === 'fail') await saveScreenshots(task.name, list)
      await Promise.all(list.map((person) => person.context.close()))
    })
    return list
  }

  const expectNoConsoleErrors = (...list: Person[]): void => {
    expect(list.flatMap((person) => person.errors)).toEqual([])
  }

  it('invites a viewer by username who cannot write, then a promotion and a demotion reach their open page', async (context) => {
    const viewerAccount = await registerUser(server.url, uniqueUsername('vera'))
    const element = await createElement({ url: server.url, token: owner.token }, worldId, {
      kind: 'location',
      name: 'Saltmarsh',
    })
    const path = { worldId, elementId: element.id }
    const [owen, vera] = (await people(context, owner.username, viewerAccount.username)) as [
      Person,
      Person,
    ]

    await openElement(owen, server.url, path, owner)
    let dialog = await openMembers(owen.page)
    await memberRow(owen.page, owner.username, 'owner').waitFor()
    await dialog.getByLabel('Username to invite').fill(viewerAccount.username)
    await dialog.getByLabel('Role to give them').selectOption('viewer')
    await dialog.getByRole('button', { name: 'Invite', exact: true }).click()
    await memberRow(owen.page, viewerAccount.username, 'viewer').waitFor()
    await dialog.getByText(`Added ${viewerAccount.username} as viewer.`).waitFor()
    await closeMembers(owen.page)

    // Read-only everywhere: the label, the body, every field, and no writing controls.
    await openElement(vera, server.url, path, viewerAccount)
    await viewOnly(vera.page).waitFor()
    await readOnlyBody(vera.page).waitFor()
    expect(await vera.page.getByLabel('Name', { exact: true }).isEditable()).toBe(false)
    expect(await vera.page.getByLabel('Summary', { exact: true }).isEditable()).toBe(false)
    expect(await vera.page.getByLabel('Kind').isEnabled()).toBe(false)
    expect(await vera.page.getByLabel('Add a tag').count()).toBe(0)
    expect(await vera.page.getByLabel('New attribute name').count()).toBe(0)
    expect(await vera.page.getByRole('toolbar').count()).toBe(0)
    expect(await vera.page.getByRole('button', { name: 'New element' }).count()).toBe(0)
    expect(await vera.page.getByRole('button', { name: 'Delete' }).count()).toBe(0)

    // Typing into the body does nothing. The owner's later edit reaching the viewer shows the
    // viewer's page was live all along, and that nothing of theirs was written.
    await body(vera.page).click()
    await vera.page.keyboard.type('Intruder was here. ')
    await focusBodyEnd(owen.page)
    await owen.page.keyboard.type('Fog over the reeds. ')
    await waitForBodyContaining(vera.page, 'Fog over the reeds. ')
    await waitUntilSaved(owen.page)
    expect(await bodyText(vera.page)).not.toContain('Intruder')
    expect(await bodyText(owen.page)).not.toContain('Intruder')
    await waitUntilSaved(vera.page)

    // The owner promotes the viewer: their open page becomes editable, without a reload.
    dialog = await openMembers(owen.page)
    await dialog.getByLabel(`Role of ${viewerAccount.username}`).selectOption('editor')
    await memberRow(owen.page, viewerAccount.username, 'editor').waitFor()
    await closeMembers(owen.page)
    await editableBody(vera.page).waitFor()
    await viewOnly(vera.page).waitFor({ state: 'detached' })
    expect(await vera.page.getByLabel('Name', { exact: true }).isEditable()).toBe(true)
    await vera.page.getByRole('toolbar').waitFor()
    await focusBodyEnd(vera.page)
    await vera.page.keyboard.type('Vera maps the channels. ')
    await waitForBodyContaining(owen.page, 'Fog over the reeds. ', 'Vera maps the channels. ')
    await waitUntilSaved(vera.page)

    // And demotes them again: the server drops their socket from the element, the app rejoins
    // as a viewer, and the page is read-only again.
    dialog = await openMembers(owen.page)
    await dialog.getByLabel(`Role of ${viewerAccount.username}`).selectOption('viewer')
    await memberRow(owen.page, viewerAccount.username, 'viewer').waitFor()
    await closeMembers(owen.page)
    await viewOnly(vera.page).waitFor()
    await readOnlyBody(vera.page).waitFor()
    expect(await vera.page.getByLabel('Name', { exact: true }).isEditable()).toBe(false)
    expectNoConsoleErrors(owen, vera)
  })

  it('shows the last owner’s refusal as a message and keeps the role', async (context) => {
    const [owen] = (await people(context, owner.username)) as [Person]
    await visit(owen, server.url, `/worlds/${worldId}`, owner)
    const dialog = await openMembers(owen.page)
    const ownRole = dialog.getByLabel(`Role of ${owner.username}`)
    await ownRole.selectOption('editor')
    await dialog
      .getByRole('alert')
      .filter({ hasText: 'A world needs an owner: make someone else owner first.' })
      .waitFor()
    expect(await ownRole.inputValue()).toBe('owner')
    await memberRow(owen.page, owner.username, 'owner').waitFor()
    // Esc closes the dialog and gives focus back to the button that opened it.
    await owen.page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'hidden' })
    expect(await owen.page.evaluate(() => document.activeElement?.textContent?.trim() ?? '')).toBe(
      'Members',
    )
    // The refused PATCH is a 409, which Chromium reports on the console; nothing else may be there.
    expect(owen.errors.filter((error) => !/status of 409/.test(error))).toEqual([])
  })

  it('lets a new person in through an invite link once they have signed up', async (context) => {
    const element = await createElement({ url: server.url, token: owner.token }, worldId, {
      kind: 'faction',
      name: 'The Tidewardens',
    })
    const newcomerName = uniqueUsername('ines')
    const [owen, ines] = (await people(context, owner.username, newcomerName)) as [Person, Person]
    await owen.context.grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: server.url,
    })

    await visit(owen, server.url, `/worlds/${worldId}`, owner)
    const dialog = await openMembers(owen.page)
    await dialog.getByLabel('Role for the link').selectOption('editor')
    await dialog.getByRole('button', { name: 'Create invite link' }).click()
    const linkField = dialog.getByLabel(/Invite link, role Editor, valid until/)
    await linkField.waitFor()
    const link = await linkField.inputValue()
    expect(link).toMatch(new RegExp(`^${server.url}/invite/[A-Za-z0-9_-]{32}$`))
    await dialog.getByRole('button', { name: 'Copy link' }).click()
    await dialog.getByText('Link copied.').waitFor()
    expect(await owen.page.evaluate(() => navigator.clipboard.readText())).toBe(link)

    // Signed out, the invite page asks to sign in or sign up, and keeps the link while they do.
    await ines.page.goto(`${link}?e2e=1`)
    await ines.page.getByTestId('invite-pending').waitFor()
    await ines.page.getByRole('button', { name: 'Create an account' }).click()
    const signUp = ines.page.getByRole('form', { name: 'Create an account' })
    await signUp.getByLabel('Username').fill(newcomerName)
    await signUp.getByLabel('Password').fill(TEST_PASSWORD)
    await signUp.getByRole('button', { name: 'Create account' }).click()

    // Accepted: the world opens, with its elements, and its owner sees the new editor.
    await ines.page.waitForURL(`${server.url}/worlds/${worldId}`)
    await ines.page.getByRole('link', { name: 'The Shattered Isles' }).waitFor()
    await ines.page
      .locator(`[data-testid="sidebar-element"][data-element-id="${element.id}"]`)
      .click()
    await editableBody(ines.page).waitFor()
    expect(await viewOnly(ines.page).count()).toBe(0)
    const members = await listMembers({ url: server.url, token: owner.token }, worldId)
    expect(members.find((m) => m.username === newcomerName)?.role).toBe('editor')
    expectNoConsoleErrors(owen, ines)
  })
})
