/**
 * Debian's Chromium driven by playwright-core: one browser per test file, one context per person
 * (separate storage, IndexedDB and cookies), console errors collected, screenshots on failure.
 */
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export const launchBrowser = (): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  })

export interface Person {
  readonly name: string
  readonly context: BrowserContext
  readonly page: Page
  /** Console errors and uncaught exceptions seen on any of this person's pages. */
  readonly errors: string[]
}

export const newPerson = async (
  browser: Browser,
  name: string,
  viewport = { width: 1360, height: 900 },
): Promise<Person> => {
  const context = await browser.newContext({ viewport })
  const page = await context.newPage()
  const errors: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`${name}: console.error: ${message.text()}`)
  })
  page.on('pageerror', (error) => errors.push(`${name}: uncaught: ${error.message}`))
  return { name, context, page, errors }
}

const RESULTS_DIR = path.resolve('test-results')

const fileSafe = (text: string): string => text.replace(/[^a-z0-9-]+/gi, '-').slice(0, 80)

/** Keeps a picture of every person's page; called when a test fails. */
export const saveScreenshots = async (
  testName: string,
  people: readonly Person[],
): Promise<void> => {
  await mkdir(RESULTS_DIR, { recursive: true })
  await Promise.all(
    people.map((person) =>
      person.page
        .screenshot({
          path: path.join(RESULTS_DIR, `${fileSafe(testName)}-${fileSafe(person.name)}.png`),
          fullPage: true,
        })
        .catch((error: unknown) => console.error(`screenshot of ${person.name} failed`, error)),
    ),
  )
}
