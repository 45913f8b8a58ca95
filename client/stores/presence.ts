/**
 * Who else is on which element, as far as this tab can know: the awareness of the elements it has
 * open. The server does not publish presence per world, so an element nobody here has open shows no
 * one (see docs/web-app.md).
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { Peer } from '../model/peers.ts'

export const usePresenceStore = defineStore('presence', () => {
  const byElement = ref<Record<string, Peer[]>>({})

  function report(elementId: string, peers: readonly Peer[]): void {
    if (peers.length === 0) {
      forget(elementId)
      return
    }
    byElement.value = { ...byElement.value, [elementId]: [...peers] }
  }

  function forget(elementId: string): void {
    if (!(elementId in byElement.value)) return
    const next = { ...byElement.value }
    delete next[elementId]
    byElement.value = next
  }

  return { byElement, report, forget }
})
