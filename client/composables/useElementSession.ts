/**
 * Opens the element named by `elementId` for as long as the calling component lives: its local
 * copy first (so offline edits ride on the first handshake), then its session on the shared
 * connection, then its store. Switching elements closes the previous one completely.
 */
import { markRaw, nextTick, onBeforeUnmount, ref, shallowRef, watch, type Ref } from 'vue'
import * as Y from 'yjs'
import type { ElementSession } from '../collab/element-session.ts'
import { openLocalCopy, type LocalCopy } from '../offline/local-copy.ts'
import { useServices } from '../services.ts'
import { disposeElementStore, useElementStore, type ElementStore } from '../stores/element.ts'
import { useIdentityStore } from '../stores/identity.ts'

export interface OpenElement {
  readonly elementId: string
  readonly doc: Y.Doc
  readonly session: ElementSession
  readonly store: ElementStore
  /** False when IndexedDB could not open: edits then live only as long as the tab. */
  readonly offlineAvailable: boolean
}

const reportCloseFailure = (error: unknown): void => {
  console.error(
    'Closing the local copy of an element failed; it is reopened on the next visit.',
    error,
  )
}

export const localCopyName = (elementId: string): string => `loresync/element/${elementId}`

export const useElementSession = (elementId: Ref<string>) => {
  const { collab } = useServices()
  const identity = useIdentityStore()
  const open = shallowRef<OpenElement | null>(null)
  const loading = ref(false)
  let generation = 0
  let copy: LocalCopy | null = null

  const close = (): void => {
    const closing = open.value
    const closingCopy = copy
    open.value = null
    copy = null
    if (!closing) return
    // Let the editor and inputs unmount before the document under them goes away.
    void nextTick(() => {
      disposeElementStore(closing.store)
      closing.session.destroy()
      closingCopy?.destroy().catch(reportCloseFailure)
      closing.doc.destroy()
    })
  }

  const openElement = async (id: string): Promise<void> => {
    const mine = ++generation
    close()
    loading.value = true
    const doc = new Y.Doc()
    const local = await openLocalCopy(localCopyName(id), doc)
    if (mine !== generation) {
      local.destroy().catch(reportCloseFailure)
      doc.destroy()
      return
    }
    copy = local
    // A session still open for this id belongs to an element view that is closing; replace it.
    collab.session(id)?.destroy()
    const session = collab.open(id, { doc })
    session.awareness.setLocalStateField('user', { ...identity.person })
    const store = useElementStore(id)
    store.attach(doc, session)
    open.value = markRaw({
      elementId: id,
      doc,
      session,
      store,
      offlineAvailable: local.available,
    })
    loading.value = false
  }

  watch(elementId, (id) => void openElement(id), { immediate: true })

  watch(
    () => identity.person,
    (person) => open.value?.session.awareness.setLocalStateField('user', { ...person }),
  )

  onBeforeUnmount(() => {
    generation++
    close()
  })

  return { open, loading }
}
