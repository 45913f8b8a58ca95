/** What a person does in the Loresync web app, in the words of the page (roles and labels). */
import type { Page } from 'playwright-core'
import type { Person } from './browser.ts'

const BODY = '[data-testid="body-editor"]'

export interface Credentials {
  readonly username: string
  readonly password: string
}

/**
 * Opens a page of the app with the test hooks on, signing in through the sign-in form when the
 * browser has no session yet.
 */
export const visit = async (
  person: Person,
  base: string,
  path: string,
  credentials: Credentials,
): Promise<void> => {
  const { page } = person
  await page.goto(`${base}${path}${path.includes('?') ? '&' : '?'}e2e=1`)
  const signIn = page.getByRole('form', { name: 'Sign in to Loresync' })
  const signedIn = page.getByRole('button', { name: 'Sign out' })
  await Promise.race([signIn.waitFor(), signedIn.waitFor()])
  if (await signIn.isVisible()) {
    await signIn.getByLabel('Username').fill(credentials.username)
    await signIn.getByLabel('Password').fill(credentials.password)
    await signIn.getByRole('button', { name: 'Sign in' }).click()
    await signedIn.waitFor()
  }
}

export const openElement = async (
  person: Person,
  base: string,
  path: { worldId: string; elementId: string },
  credentials: Credentials,
): Promise<void> => {
  await visit(person, base, `/worlds/${path.worldId}/elements/${path.elementId}`, credentials)
  await person.page.locator(BODY).waitFor()
}

export const body = (page: Page) => page.locator(BODY)

/** Puts the caret at the very end of the body. */
export const focusBodyEnd = async (page: Page): Promise<void> => {
  await page.locator(BODY).click()
  await page.keyboard.press('Control+End')
}

export interface BodyExpectation {
  readonly contains?: readonly string[]
  readonly lacks?: readonly string[]
  /** The exact number of characters written. */
  readonly length?: number
}

/**
 * Reads the body's text as its authors wrote it, and optionally checks it. Other people's carets
 * are widgets inside the editable DOM and their name labels would otherwise read as text. (One
 * self-contained function, because it runs inside the page.)
 */
const readBody = ({
  selector,
  expect,
}: {
  selector: string
  expect: BodyExpectation | null
}): string | boolean => {
  const element = document.querySelector(selector)
  const copy = element?.cloneNode(true) as Element | undefined
  for (const caret of copy?.querySelectorAll('.collaboration-carets__caret') ?? []) caret.remove()
  const text = copy?.textContent ?? ''
  if (!expect) return text
  return (
    (expect.contains ?? []).every((part) => text.includes(part)) &&
    (expect.lacks ?? []).every((part) => !text.includes(part)) &&
    (expect.length === undefined || text.length === expect.length)
  )
}

export const bodyText = async (page: Page): Promise<string> =>
  String(await page.evaluate(readBody, { selector: BODY, expect: null }))

/** Waits (polling in the page, no sleeps) until the body's text meets `expect`. */
export const waitForBody = async (page: Page, expect: BodyExpectation): Promise<void> => {
  await page.waitForFunction(readBody, { selector: BODY, expect })
}

export const waitForBodyContaining = (page: Page, ...parts: string[]): Promise<void> =>
  waitForBody(page, { contains: parts })

export const waitForBodyLacking = (page: Page, ...parts: string[]): Promise<void> =>
  waitForBody(page, { lacks: parts })

/** The hooks client/test-hooks.ts installs when the page was opened with `?e2e=1`. */
type HookName = 'disconnect' | 'connect' | 'flushLocalCopies'

const callHook = async (page: Page, name: HookName): Promise<void> => {
  await page.evaluate(async (hook) => {
    const hooks = (window as unknown as { __loresync?: Record<HookName, () => unknown> }).__loresync
    if (!hooks) throw new Error('test hooks missing: open the page with ?e2e=1')
    await hooks[hook]()
  }, name)
}

export const goOffline = async (page: Page): Promise<void> => {
  await callHook(page, 'disconnect')
  await page.locator('[data-testid="connection-status"][data-status="offline"]').waitFor()
}

export const goOnline = async (page: Page): Promise<void> => {
  await callHook(page, 'connect')
  await page.locator('[data-testid="connection-status"][data-status="online"]').waitFor()
}

/** Resolves once everything typed so far is committed to the page's IndexedDB. */
export const flushLocalCopies = (page: Page): Promise<void> => callHook(page, 'flushLocalCopies')

export const waitUntilSaved = (page: Page) =>
  page.locator('[data-testid="save-status"][data-state="saved"]').waitFor()

export const countOf = (text: string, part: string): number => text.split(part).length - 1
