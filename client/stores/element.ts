/**
 * One store per open element. Its state is a plain mirror of the element's Y.Doc (fields,
 * attributes, tags) plus the session's sync state and who else is here, refreshed from Yjs
 * observers. Actions write to the Y.Doc inside one transaction each and never touch the state:
 * the observers bring the change back, exactly as they do for everyone else's edits.
 */
import { defineStore, getActivePinia, type Pinia } from 'pinia'
import { ref } from 'vue'
import * as Y from 'yjs'
import {
  getAttributes,
  getBody,
  getFields,
  getTags,
  readAttributes,
  readFields,
  readTags,
  sameFields,
  type ElementFields,
} from '../../shared/element-doc.ts'
import type { ElementKind } from '../../shared/element-kinds.ts'
import type { ElementSession } from '../collab/element-session.ts'
import type { SessionState } from '../collab/types.ts'
import { readPeers, samePeers, type Peer } from '../model/peers.ts'
import { applyTextChange, diffText, isNoChange } from '../model/text-edits.ts'
import { usePresenceStore } from './presence.ts'

/** Origin of every transaction the store's actions make. */
export const STORE_ORIGIN = Symbol('loresync-store')

export type TextField = 'name' | 'summary'
export type SessionLike = Pick<ElementSession, 'state' | 'awareness' | 'on' | 'off'>

export const MAX_TAG_LENGTH = 40
export const MAX_ATTRIBUTE_KEY_LENGTH = 60

const DETACHED: SessionState = { synced: false, unsyncedChanges: 0, role: null, error: null }

const sameRecord = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>) => {
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length && keys.every((key) => b[key] === a[key])
}

const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((value, i) => b[i] === value)

/** Whether the document holds anything at all: a server copy or a local one. */
const hasContentIn = (doc: Y.Doc): boolean => getFields(doc).size > 0 || getBody(doc).length > 0

const elementStoreSetup = (elementId: string, pinia?: Pinia) => () => {
  const fields = ref<ElementFields>({ kind: 'note', name: '', summary: '' })
  const attributes = ref<Record<string, string>>({})
  const tags = ref<string[]>([])
  const sync = ref<SessionState>(DETACHED)
  const peers = ref<Peer[]>([])
  /** True once the document holds content: only then may an editor bind to it. */
  const hasContent = ref(false)

  // Kept in the closure, not in state: a Y.Doc must never become reactive.
  let doc: Y.Doc | null = null
  let disposers: Array<() => void> = []

  const refreshFields = (source: Y.Doc): void => {
    const next = readFields(source)
    if (!sameFields(next, fields.value)) fields.value = next
  }
  const refreshAttributes = (source: Y.Doc): void => {
    const next = readAttributes(source)
    if (!sameRecord(next, attributes.value)) attributes.value = next
  }
  const refreshTags = (source: Y.Doc): void => {
    const next = readTags(source)
    if (!sameList(next, tags.value)) tags.value = next
  }

  /** Starts mirroring `target` (and `session`, when there is one); replaces any earlier binding. */
  function attach(target: Y.Doc, session?: SessionLike): void {
    detach()
    doc = target
    const onFields = () => refreshFields(target)
    const onAttributes = () => refreshAttributes(target)
    const onTags = () => refreshTags(target)
    // 'afterTransaction', not 'update': this needs no bytes, and while anything listens to
    // 'update' Yjs encodes every transaction, remote ones included (element-session.ts).
    const onTransaction = () => {
      if (!hasContent.value && hasContentIn(target)) hasContent.value = true
    }
    getFields(target).observeDeep(onFields)
    getAttributes(target).observeDeep(onAttributes)
    getTags(target).observe(onTags)
    target.on('afterTransaction', onTransaction)
    disposers.push(
      () => getFields(target).unobserveDeep(onFields),
      () => getAttributes(target).unobserveDeep(onAttributes),
      () => getTags(target).unobserve(onTags),
      () => target.off('afterTransaction', onTransaction),
    )
    refreshFields(target)
    refreshAttributes(target)
    refreshTags(target)
    hasContent.value = hasContentIn(target)

    if (session) {
      const presence = usePresenceStore(pinia)
      const onState = (state: SessionState) => {
        sync.value = state
      }
      const onAwareness = () => {
        const next = readPeers(session.awareness)
        if (samePeers(next, peers.value)) return
        peers.value = next
        presence.report(elementId, next)
      }
      session.on('state', onState)
      session.awareness.on('change', onAwareness)
      disposers.push(
        () => session.off('state', onState),
        () => session.awareness.off('change', onAwareness),
        () => presence.forget(elementId),
      )
      sync.value = session.state
      onAwareness()
    }
  }

  function detach(): void {
    for (const dispose of disposers) dispose()
    disposers = []
    doc = null
    sync.value = DETACHED
    peers.value = []
  }

  const write = (change: (target: Y.Doc) => void): void => {
    if (!doc) {
      throw new Error(
        `Element ${elementId} is not open: attach its document before editing it (useElementSession does).`,
      )
    }
    doc.transact(() => change(doc as Y.Doc), STORE_ORIGIN)
  }

  /** Replaces a text field's value with `next`, as the smallest edit ending at `cursor`. */
  function editText(field: TextField, next: string, cursor?: number): void {
    write((target) => {
      const map = getFields(target)
      const current = map.get(field)
      if (current instanceof Y.Text) {
        const change = diffText(current.toString(), next, cursor)
        if (!isNoChange(change)) applyTextChange(current, change)
      } else if (current !== next) {
        map.set(field, new Y.Text(next))
      }
    })
  }

  function setKind(kind: ElementKind): void {
    if (doc && getFields(doc).get('kind') === kind) return
    write((target) => getFields(target).set('kind', kind))
  }

  /** Adds a tag unless it is already there; returns whether it was added. */
  function addTag(value: string): boolean {
    const tag = value.trim().slice(0, MAX_TAG_LENGTH)
    if (tag === '' || tags.value.includes(tag)) return false
    write((target) => getTags(target).push([tag]))
    return true
  }

  /** Removes every copy of a tag (two people adding the same tag at once leave two). */
  function removeTag(tag: string): void {
    write((target) => {
      const array = getTags(target)
      const values = array.toArray()
      for (let i = values.length - 1; i >= 0; i--) if (values[i] === tag) array.delete(i, 1)
    })
  }

  /** Adds an empty attribute; returns false when the key is empty or already in use. */
  function addAttribute(value: string): boolean {
    const key = value.trim().slice(0, MAX_ATTRIBUTE_KEY_LENGTH)
    if (key === '' || key in attributes.value) return false
    write((target) => getAttributes(target).set(key, new Y.Text('')))
    return true
  }

  function editAttribute(key: string, next: string, cursor?: number): void {
    write((target) => {
      const map = getAttributes(target)
      const current = map.get(key)
      if (current instanceof Y.Text) {
        const change = diffText(current.toString(), next, cursor)
        if (!isNoChange(change)) applyTextChange(current, change)
      } else {
        map.set(key, new Y.Text(next))
      }
    })
  }

  function removeAttribute(key: string): void {
    write((target) => getAttributes(target).delete(key))
  }

  return {
    fields,
    attributes,
    tags,
    sync,
    peers,
    hasContent,
    attach,
    detach,
    editText,
    setKind,
    addTag,
    removeTag,
    addAttribute,
    editAttribute,
    removeAttribute,
  }
}

const defineElementStore = (elementId: string, pinia?: Pinia) =>
  defineStore(`element/${elementId}`, elementStoreSetup(elementId, pinia))

export type ElementStore = ReturnType<ReturnType<typeof defineElementStore>>

const definitions = new Map<string, ReturnType<typeof defineElementStore>>()

/** The store of one element; `disposeElementStore` removes it when the element is closed. */
export const useElementStore = (elementId: string, pinia?: Pinia): ElementStore => {
  let definition = definitions.get(elementId)
  if (!definition) {
    definition = defineElementStore(elementId, pinia)
    definitions.set(elementId, definition)
  }
  return definition(pinia)
}

export const disposeElementStore = (store: ElementStore, pinia = getActivePinia()): void => {
  store.detach()
  store.$dispose()
  // $dispose leaves the state behind in the pinia; an element store is not coming back.
  if (pinia) delete pinia.state.value[store.$id]
  definitions.delete(store.$id.slice('element/'.length))
}

/** The Y.Text behind a text field, for bindings that follow remote edits with the caret. */
export const fieldText = (doc: Y.Doc, field: TextField): Y.Text | null => {
  const value = getFields(doc).get(field)
  return value instanceof Y.Text ? value : null
}

export const attributeText = (doc: Y.Doc, key: string): Y.Text | null => {
  const value = getAttributes(doc).get(key)
  return value instanceof Y.Text ? value : null
}
