/**
 * Who else is on the elements this tab has open, read from their awareness (carets and avatars).
 * Who has the world's other elements open comes from the server, in the world store (`present`).
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
