/**
 * Takes the README's screenshots of the real app: two people editing the same character, each
 * seeing the other's caret. Builds the client, starts a throwaway server, drives two Chromium
 * contexts, writes docs/screenshot-editor.png and docs/screenshot-two-people.png.
 *
 *   npx tsx scripts/screenshots.ts
 */
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { addMember, createElement, createWorld } from '../tests/helpers/api-client.ts'
import { registerUser } from '../tests/helpers/auth.ts'
import { startTestServer } from '../tests/helpers/test-server.ts'
import { focusBodyEnd, openElement } from '../tests/e2e/helpers/app-page.ts'
import { launchBrowser, newPerson } from '../tests/e2e/helpers/browser.ts'

const main = async (): Promise<void> => {
  execFileSync(process.execPath, [path.resolve('node_modules/vite/bin/vite.js'), 'build'], {
    stdio: 'inherit',
  })
  const server = await startTestServer()
  const browser = await launchBrowser()
  try {
    const mira = await registerUser(server.url, 'mira')
    const tomas = await registerUser(server.url, 'tomas')
    const world = await createWorld(server, 'The Shattered Isles')
    for (const account of [mira, tomas]) {
      await addMember(server, world.id, account.username, 'editor')
    }
    const extras: Array<[Parameters<typeof createElement>[2], string]> = [
      [{ kind: 'character', name: 'Orrin Hale', summary: 'Lighthouse keeper' }, ''],
      [{ kind: 'location', name: 'Saltreach Harbour' }, ''],
      [{ kind: 'location', name: 'The Drowned Stair' }, ''],
      [{ kind: 'faction', name: 'The Tidewardens' }, ''],
      [{ kind: 'item', name: 'Brass Astrolabe' }, ''],
      [{ kind: 'event', name: 'The Night of Two Moons' }, ''],
    ]
    for (const [body] of extras) await createElement(server, world.id, body)
    const element = await createElement(server, world.id, {
      kind: 'character',
      name: 'Captain Mirela Voss',
      summary: 'Smuggler turned harbour-master of Saltreach; owes the Tidewardens a favour.',
    })

    const viewport = { width: 1440, height: 940 }
    const first = await newPerson(browser, 'mira', viewport)
    const second = await newPerson(browser, 'tomas', viewport)
    const where = { worldId: world.id, elementId: element.id }
    await openElement(first, server.url, where, mira)
    await openElement(second, server.url, where, tomas)

    const { page } = first
    for (const tag of ['smuggler', 'harbour', 'north isles']) {
      await page.getByLabel('Add a tag').fill(tag)
      await page.getByLabel('Add a tag').press('Enter')
    }
    for (const [key, value] of [
      ['Age', '41'],
      ['Allegiance', 'Herself, mostly'],
    ] as const) {
      await page.getByLabel('New attribute name').fill(key)
      await page.getByRole('button', { name: 'Add', exact: true }).click()
      await page.getByLabel(key, { exact: true }).fill(value)
    }
    await focusBodyEnd(page)
    await page.getByRole('button', { name: 'Heading 2' }).click()
    await page.keyboard.type('Early years')
    await page.keyboard.press('Enter')
    await page.keyboard.type('Born on a salt barge below the Drowned Stair, Mirela learned the ')
    await page.keyboard.press('Control+b')
    await page.keyboard.type('tides')
    await page.keyboard.press('Control+b')
    await page.keyboard.type(' before she learned to read. ')

    await focusBodyEnd(second.page)
    await second.page.keyboard.type('She still keeps the brass astrolabe her mother ')
    await page
      .getByTestId('body-editor')
      .getByText('She still keeps the brass astrolabe her mother')
      .waitFor()
    await page.locator('.collaboration-carets__label', { hasText: 'tomas' }).waitFor()
    await second.page.locator('.collaboration-carets__label', { hasText: 'mira' }).waitFor()
    // Move Mira's caret to the heading so both carets show, apart from each other.
    await page.getByTestId('body-editor').getByText('Early years').click()
    for (const p of [page, second.page]) await p.evaluate(() => window.scrollTo(0, 0))

    const editorShot = path.resolve('docs/screenshot-editor.png')
    await page.screenshot({ path: editorShot })

    // Side by side: each person's own window, narrower, composed on one page.
    const narrow = { width: 900, height: 900 }
    await first.page.setViewportSize(narrow)
    await second.page.setViewportSize(narrow)
    const [left, right] = await Promise.all(
      [first.page, second.page].map(async (p) => (await p.screenshot()).toString('base64')),
    )
    const canvas = await browser.newPage({ viewport: { width: 1820, height: 960 } })
    await canvas.setContent(`<!doctype html><html><body style="margin:0;background:#d9d6cf;
      display:flex;gap:20px;padding:20px;box-sizing:border-box">
      <img style="width:880px;border-radius:8px;box-shadow:0 8px 24px rgb(0 0 0/18%)"
        src="data:image/png;base64,${left}"/>
      <img style="width:880px;border-radius:8px;box-shadow:0 8px 24px rgb(0 0 0/18%)"
        src="data:image/png;base64,${right}"/></body></html>`)
    await canvas.screenshot({ path: path.resolve('docs/screenshot-two-people.png') })
    console.log(`wrote ${editorShot} and docs/screenshot-two-people.png`)
  } finally {
    await browser.close()
    await server.close()
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
