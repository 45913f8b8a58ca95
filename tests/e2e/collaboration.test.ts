/**
 * Two people in two browser contexts editing the same element through the real server: merged
 * typing, named carets, renames reaching the other's sidebar and preview, undo of one's own
 * changes only, and offline edits that survive a reload and merge without duplicates.
 */
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest'
import { addMember, createElement, createWorld } from '../helpers/api-client.ts'
import { registerUser, uniqueUsername, type TestUser } from '../helpers/auth.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'
import {
  body,
  bodyText,
  countOf,
  flushLocalCopies,
  focusBodyEnd,
  goOffline,
  goOnline,
  openElement,
  waitForBody,
  waitForBodyContaining,
  waitForBodyLacking,
  waitUntilSaved,
} from './helpers/app-page.ts'
import { launchBrowser, newPerson, saveScreenshots, type Person } from './helpers/browser.ts'

describe('two people editing one element', () => {
  let server: TestServer
  let browser: Browser
  let worldId: string
  let adaAccount: TestUser
  let beaAccount: TestUser

  beforeAll(async () => {
    server = await startTestServer()
    browser = await launchBrowser()
    adaAccount = await registerUser(server.url, uniqueUsername('ada'))
    beaAccount = await registerUser(server.url, uniqueUsername('bea'))
    worldId = (await createWorld(server, 'The Shattered Isles')).id
    await addMember(server, worldId, adaAccount.username, 'editor')
    await addMember(server, worldId, beaAccount.username, 'editor')
  })

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  /**
   * Ada and Bea, each in a fresh browser context, both on a new element. Their pages are
   * photographed if the test fails, and closed when it ends.
   */
  const twoPeopleOn = async (context: TestContext, name: string) => {
    const element = await createElement(server, worldId, { kind: 'character', name })
    const ada = await newPerson(browser, adaAccount.username)
    const bea = await newPerson(browser, beaAccount.username)
    context.onTestFinished(async ({ task }) => {
      if (task.result?.state === 'fail') await saveScreenshots(task.name, [ada, bea])
      await Promise.all([ada.context.close(), bea.context.close()])
    })
    const path = { worldId, elementId: element.id }
    await openElement(ada, server.url, path, adaAccount)
    await openElement(bea, server.url, path, beaAccount)
    return { ada, bea, elementId: element.id }
  }

  const expectNoConsoleErrors = (...people: Person[]): void => {
    expect(people.flatMap((person) => person.errors)).toEqual([])
  }

  it('merges two people typing into the same paragraph at once, and shows each their named caret', async (context) => {
    const { ada, bea } = await twoPeopleOn(context, 'Mirela')
    await focusBodyEnd(ada.page)
    await focusBodyEnd(bea.page)

    const adaWrites = 'Ada writes the harbour. '
    const beaWrites = 'Bea writes the storm. '
    await Promise.all([ada.page.keyboard.type(adaWrites), bea.page.keyboard.type(beaWrites)])

    // Typing at the same spot at the same moment interleaves: what must hold is that both see the
    // same text and that it holds every character each of them typed, none lost or doubled.
    const length = adaWrites.length + beaWrites.length
    await waitForBody(ada.page, { length })
    await waitForBody(bea.page, { length })
    const [adaText, beaText] = await Promise.all([bodyText(ada.page), bodyText(bea.page)])
    expect(adaText).toBe(beaText)
    const letters = (text: string) => [...text].sort().join('')
    expect(letters(adaText)).toBe(letters(adaWrites + beaWrites))
    // Both typed into the one paragraph the element was created with.
    expect(await body(ada.page).locator('p').count()).toBe(1)

    await ada.page.locator('.collaboration-carets__label', { hasText: bea.name }).waitFor()
    await bea.page.locator('.collaboration-carets__label', { hasText: ada.name }).waitFor()
    await ada.page.getByRole('group', { name: `Also here: ${bea.name}` }).waitFor()
    expectNoConsoleErrors(ada, bea)
  })

  it("shows one person's rename in the other's sidebar and preview", async (context) => {
    const { ada, bea, elementId } = await twoPeopleOn(context, 'Mirela')
    const name = ada.page.getByLabel('Name', { exact: true })
    await name.click()
    await name.press('End')
    await name.pressSequentially(' Voss')

    await bea.page.getByTestId('preview-name').filter({ hasText: 'Mirela Voss' }).waitFor()
    await bea.page
      .locator(`[data-testid="sidebar-element"][data-element-id="${elementId}"]`)
      .filter({ hasText: 'Mirela Voss' })
      .waitFor()
    expect(await bea.page.getByLabel('Name', { exact: true }).inputValue()).toBe('Mirela Voss')
    expect(await name.inputValue()).toBe('Mirela Voss')
    expectNoConsoleErrors(ada, bea)
  })

  it('marks in the sidebar an element someone else has open, and clears it when they leave', async (context) => {
    const { ada, bea, elementId } = await twoPeopleOn(context, 'Orrin')
    const elsewhere = await createElement(server, worldId, { kind: 'location', name: 'Saltreach' })
    // Bea moves to another element: the dot on Orrin comes from the server, not from carets.
    await openElement(bea, server.url, { worldId, elementId: elsewhere.id }, beaAccount)
    const dotOnOrrin = bea.page
      .locator(`[data-testid="sidebar-element"][data-element-id="${elementId}"]`)
      .getByTestId('presence-dot')
    await dotOnOrrin.waitFor()
    expect(await dotOnOrrin.getAttribute('aria-label')).toBe(`Open by ${adaAccount.username}`)

    await ada.page.close()
    await dotOnOrrin.waitFor({ state: 'detached' })
    expectNoConsoleErrors(ada, bea)
  })

  it("undoes only one's own changes", async (context) => {
    const { ada, bea } = await twoPeopleOn(context, 'Orrin')
    await focusBodyEnd(ada.page)
    await ada.page.keyboard.type('apples ')
    await waitForBodyContaining(bea.page, 'apples ')
    await focusBodyEnd(bea.page)
    await bea.page.keyboard.type('bananas ')
    await waitForBodyContaining(ada.page, 'bananas ')

    // Typing may span more than one undo step; each click takes back one of Ada's own steps
    // (and waits for the button to be enabled, so an empty stack fails the test).
    const undo = ada.page.getByRole('button', { name: 'Undo your last change' })
    for (let step = 0; step < 10 && (await bodyText(ada.page)).trim() !== 'bananas'; step++) {
      await undo.click()
    }
    await waitForBodyLacking(bea.page, 'ap')
    expect((await bodyText(ada.page)).trim()).toBe('bananas')
    expect((await bodyText(bea.page)).trim()).toBe('bananas')
    expectNoConsoleErrors(ada, bea)
  })

  it('keeps offline edits across a reload and merges them once back online, with nothing duplicated', async (context) => {
    const { ada, bea } = await twoPeopleOn(context, 'Tamsin')
    await waitUntilSaved(ada.page)

    await goOffline(ada.page)
    await focusBodyEnd(ada.page)
    await ada.page.keyboard.type('Written at sea. ')
    const adaName = ada.page.getByLabel('Name', { exact: true })
    await adaName.click()
    await adaName.press('End')
    await adaName.pressSequentially(' Reed')
    await ada.page.locator('[data-testid="save-status"][data-state="pending"]').waitFor()

    await focusBodyEnd(bea.page)
    await bea.page.keyboard.type('Meanwhile ashore. ')

    // Reload while still offline: the edits come back from this device's IndexedDB.
    await flushLocalCopies(ada.page)
    await ada.page.reload()
    await body(ada.page).waitFor()
    await ada.page.locator('[data-testid="connection-status"][data-status="offline"]').waitFor()
    await waitForBodyContaining(ada.page, 'Written at sea. ')
    expect(await ada.page.getByLabel('Name', { exact: true }).inputValue()).toBe('Tamsin Reed')
    expect(await bodyText(ada.page)).not.toContain('Meanwhile ashore.')
    expect(await bodyText(bea.page)).not.toContain('Written at sea.')

    await goOnline(ada.page)
    const both = ['Written at sea. ', 'Meanwhile ashore. ']
    await waitForBodyContaining(ada.page, ...both)
    await waitForBodyContaining(bea.page, ...both)
    await bea.page.getByTestId('preview-name').filter({ hasText: 'Tamsin Reed' }).waitFor()
    await waitUntilSaved(ada.page)

    const [adaText, beaText] = await Promise.all([bodyText(ada.page), bodyText(bea.page)])
    expect(adaText).toBe(beaText)
    expect(countOf(adaText, 'Written at sea.')).toBe(1)
    expect(countOf(adaText, 'Meanwhile ashore.')).toBe(1)
    expect(await body(ada.page).locator('p').count()).toBe(1)
    expect(await bea.page.getByLabel('Name', { exact: true }).inputValue()).toBe('Tamsin Reed')
    expectNoConsoleErrors(ada, bea)
  })
})
