// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { renderBodyInto } from '../../../client/editor/render-body.ts'
import { isSafeHref, normaliseHref } from '../../../client/model/safe-link.ts'
import { initials, sanitizePerson } from '../../../client/model/peers.ts'

/** A paragraph holding one text run, optionally linked, written the way y-prosemirror writes it. */
const bodyWith = (text: string, href?: string): Y.XmlFragment => {
  const doc = new Y.Doc()
  const body = doc.getXmlFragment('body')
  const paragraph = new Y.XmlElement('paragraph')
  const run = new Y.XmlText()
  body.insert(0, [paragraph])
  paragraph.insert(0, [run])
  run.insert(0, text, href === undefined ? {} : { link: { href } })
  return body
}

describe('links', () => {
  it('accepts only http, https and mailto', () => {
    expect(isSafeHref('https://example.org/a?b')).toBe(true)
    expect(isSafeHref('http://example.org')).toBe(true)
    expect(isSafeHref('mailto:ada@example.org')).toBe(true)
    for (const bad of [
      'javascript:alert(1)',
      ' JavaScript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox',
      '/relative',
      'ftp://example.org',
      '',
    ]) {
      expect(isSafeHref(bad)).toBe(false)
    }
  })

  it('adds https to a bare host and refuses anything with another scheme', () => {
    expect(normaliseHref('example.org/map')).toBe('https://example.org/map')
    expect(normaliseHref('javascript:alert(1)')).toBeNull()
    expect(normaliseHref('not a link')).toBeNull()
  })
})

describe('preview rendering', () => {
  it('renders text as text, never as markup', () => {
    const container = document.createElement('div')
    renderBodyInto(container, bodyWith('<img src=x onerror=alert(1)>'))
    expect(container.querySelector('img')).toBeNull()
    expect(container.textContent).toBe('<img src=x onerror=alert(1)>')
  })

  it('keeps a safe link and empties a javascript: href a peer wrote into the document', () => {
    const safe = document.createElement('div')
    renderBodyInto(safe, bodyWith('map', 'https://example.org/map'))
    expect(safe.querySelector('a')?.getAttribute('href')).toBe('https://example.org/map')

    const hostile = document.createElement('div')
    renderBodyInto(hostile, bodyWith('click', 'javascript:alert(1)'))
    expect(hostile.querySelector('a')?.getAttribute('href') ?? '').toBe('')
    expect(hostile.innerHTML).not.toContain('javascript:')
  })
})

describe('people from awareness', () => {
  it('accepts a name and a hex color, trimming the name', () => {
    expect(sanitizePerson({ name: '  Ada  ', color: '#4f46e5' })).toEqual({
      name: 'Ada',
      color: '#4f46e5',
    })
  })

  it('replaces a color that is not plain hex and refuses a missing name', () => {
    expect(sanitizePerson({ name: 'Ada', color: 'red;background:url(x)' })?.color).toBe('#8a94a6')
    expect(sanitizePerson({ color: '#000000' })).toBeNull()
    expect(sanitizePerson('Ada')).toBeNull()
  })

  it('makes initials from one or more words', () => {
    expect(initials('Ada Lovelace')).toBe('AL')
    expect(initials('ada')).toBe('AD')
  })
})
