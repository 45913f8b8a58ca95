// @vitest-environment happy-dom
import { mount } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { defineComponent, h, ref } from 'vue'
import * as Y from 'yjs'
import { useYText } from '../../../client/composables/useYText.ts'
import { applyTextChange, diffText } from '../../../client/model/text-edits.ts'

const REMOTE = Symbol('remote')

/** Two replicas of one text and an input bound to the local one, as the element page binds it. */
const setup = (initial: string) => {
  const local = new Y.Doc()
  const remote = new Y.Doc()
  local.getText('name').insert(0, initial)
  Y.applyUpdate(remote, Y.encodeStateAsUpdate(local))
  const text = local.getText('name')
  const writes: Array<{ next: string; cursor: number }> = []

  const Harness = defineComponent({
    setup() {
      const control = ref<HTMLInputElement | null>(null)
      const mirror = ref(text.toString())
      text.observe(() => {
        mirror.value = text.toString()
      })
      useYText(control, {
        text: () => text,
        value: () => mirror.value,
        write: (next, cursor) => {
          writes.push({ next, cursor })
          local.transact(() => applyTextChange(text, diffText(text.toString(), next, cursor)))
        },
      })
      return () => h('input', { ref: control, 'aria-label': 'Name' })
    },
  })
  const wrapper = mount(Harness, { attachTo: document.body })
  const input = wrapper.find('input').element
  /** Someone else edits their replica; the update reaches ours. */
  const remoteEdit = (edit: (text: Y.Text) => void): void => {
    const vector = Y.encodeStateVector(remote)
    remote.transact(() => edit(remote.getText('name')))
    Y.applyUpdate(local, Y.encodeStateAsUpdate(remote, vector), REMOTE)
  }
  /** What the browser does when a person types: new value, caret, then an input event. */
  const type = (value: string, caret: number): void => {
    input.value = value
    input.setSelectionRange(caret, caret)
    input.dispatchEvent(new Event('input'))
  }
  return { wrapper, input, text, remote, writes, remoteEdit, type }
}

describe('useYText', () => {
  afterEach(() => {
    document.body.innerHTML = ''
  })

  it('shows the text when mounted', () => {
    const { input } = setup('Mirela')
    expect(input.value).toBe('Mirela')
  })

  it('writes typing as the smallest edit, ending at the caret', () => {
    const { text, writes, type } = setup('aa')
    type('aaa', 2)
    expect(writes).toEqual([{ next: 'aaa', cursor: 2 }])
    expect(text.toString()).toBe('aaa')
  })

  it('keeps the caret next to the same characters when someone inserts before it', () => {
    const { input, remoteEdit } = setup('Mirela Voss')
    input.focus()
    input.setSelectionRange(6, 6) // after "Mirela"
    remoteEdit((text) => text.insert(0, 'Captain '))
    expect(input.value).toBe('Captain Mirela Voss')
    expect([input.selectionStart, input.selectionEnd]).toEqual([14, 14])
  })

  it('leaves the caret in place when someone edits after it', () => {
    const { input, remoteEdit } = setup('Mirela Voss')
    input.focus()
    input.setSelectionRange(3, 3)
    remoteEdit((text) => text.delete(7, 4))
    expect(input.value).toBe('Mirela ')
    expect(input.selectionStart).toBe(3)
  })

  it('keeps a selection around the same text while someone types on both sides', () => {
    const { input, remoteEdit } = setup('the old tower')
    input.focus()
    input.setSelectionRange(4, 7) // "old"
    remoteEdit((text) => {
      text.insert(13, '!')
      text.insert(0, 'See ')
    })
    expect(input.value).toBe('See the old tower!')
    expect(input.value.slice(input.selectionStart ?? 0, input.selectionEnd ?? 0)).toBe('old')
  })

  it('merges two people typing at once into the same text on both sides', () => {
    const { input, text, remote, remoteEdit, type } = setup('Voss')
    input.focus()
    type('Mirela Voss', 7)
    remoteEdit((other) => other.insert(4, ' the Younger'))
    Y.applyUpdate(remote, Y.encodeStateAsUpdate(text.doc as Y.Doc, Y.encodeStateVector(remote)))
    expect(text.toString()).toBe('Mirela Voss the Younger')
    expect(remote.getText('name').toString()).toBe('Mirela Voss the Younger')
    expect(input.value).toBe('Mirela Voss the Younger')
    expect(input.selectionStart).toBe(7)
  })

  it('does not write while an input method is composing', () => {
    const { input, writes } = setup('ab')
    input.dispatchEvent(new Event('compositionstart'))
    input.value = 'abk'
    input.dispatchEvent(new Event('input'))
    expect(writes).toEqual([])
    input.value = 'ab가'
    input.setSelectionRange(3, 3)
    input.dispatchEvent(new Event('compositionend'))
    expect(writes).toEqual([{ next: 'ab가', cursor: 3 }])
  })
})
