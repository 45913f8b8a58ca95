/**
 * Binds an <input> or <textarea> to a Y.Text. Typing becomes the smallest Yjs edit (through the
 * `write` callback, normally a store action); someone else's edit rewrites the field's value and
 * carries the caret and selection through the edit's delta, so the caret stays next to the same
 * characters instead of jumping to the end.
 */
import { onBeforeUnmount, onMounted, watch, type Ref } from 'vue'
import type * as Y from 'yjs'
import { applyDelta, transformSelection, type TextDelta } from '../model/text-edits.ts'

type TextControl = HTMLInputElement | HTMLTextAreaElement

export interface YTextBindingOptions {
  /** The Y.Text behind the control, re-read whenever `value` changes (it can be replaced). */
  readonly text: () => Y.Text | null
  /** The text's reactive mirror (store state); used when there is no Y.Text yet. */
  readonly value: () => string
  /** Writes the control's new value; `cursor` is where the edit ends. */
  readonly write: (next: string, cursor: number) => void
}

/** Puts `next` into the control, carrying its selection through `delta` when there is one. */
export const renderIntoControl = (
  control: TextControl,
  next: string,
  delta: TextDelta | null,
): void => {
  if (control.value === next) return
  const focused = control.ownerDocument.activeElement === control
  if (!focused) {
    control.value = next
    return
  }
  const start = control.selectionStart ?? control.value.length
  const end = control.selectionEnd ?? start
  const direction = control.selectionDirection ?? 'none'
  const moved = delta ? transformSelection(start, end, delta) : { start, end }
  control.value = next
  control.setSelectionRange(
    Math.min(moved.start, next.length),
    Math.min(moved.end, next.length),
    direction,
  )
}

export const useYText = (control: Ref<TextControl | null>, options: YTextBindingOptions): void => {
  let bound: Y.Text | null = null
  let composing = false

  const current = (): string => bound?.toString() ?? options.value()

  const onRemote = (event: Y.YTextEvent): void => {
    const el = control.value
    if (!el || composing) return
    // The delta is relative to the text before this transaction; it only moves the caret correctly
    // if the control showed exactly that text.
    const after = current()
    const delta = event.delta as TextDelta
    renderIntoControl(el, after, applyDelta(el.value, delta) === after ? delta : null)
  }

  const bind = (): void => {
    const next = options.text()
    if (next === bound) return
    bound?.unobserve(onRemote)
    bound = next
    bound?.observe(onRemote)
  }

  const onInput = (): void => {
    const el = control.value
    if (!el || composing) return
    options.write(el.value, el.selectionEnd ?? el.value.length)
    // The first write to a field without a Y.Text creates one.
    bind()
  }
  const onCompositionStart = (): void => {
    composing = true
  }
  const onCompositionEnd = (): void => {
    composing = false
    onInput()
    const el = control.value
    if (el) renderIntoControl(el, current(), null)
  }

  const listen = (el: TextControl): void => {
    el.addEventListener('input', onInput)
    el.addEventListener('compositionstart', onCompositionStart)
    el.addEventListener('compositionend', onCompositionEnd)
  }
  const unlisten = (el: TextControl): void => {
    el.removeEventListener('input', onInput)
    el.removeEventListener('compositionstart', onCompositionStart)
    el.removeEventListener('compositionend', onCompositionEnd)
  }

  onMounted(() => {
    bind()
    const el = control.value
    if (el) {
      el.value = current()
      listen(el)
    }
  })

  watch(control, (el, previous) => {
    if (previous) unlisten(previous)
    if (el) {
      el.value = current()
      listen(el)
    }
  })

  // The mirror changes after every edit; most of the time the control already shows it. When the
  // Y.Text itself was replaced, rebind and show the new text.
  watch(options.value, () => {
    bind()
    const el = control.value
    if (el && !composing) renderIntoControl(el, current(), null)
  })

  onBeforeUnmount(() => {
    bound?.unobserve(onRemote)
    bound = null
    if (control.value) unlisten(control.value)
  })
}
