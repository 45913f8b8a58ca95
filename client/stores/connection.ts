/**
 * The connection as the person sees it, mirrored from the CollabClient's `status` events.
 * "Held" means the app was asked to stay offline (the e2e hook); it survives reloads in tests.
 */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { CollabClient } from '../collab/collab-client.ts'
import type { ConnectionStatus } from '../collab/types.ts'

export type ConnectionSource = Pick<
  CollabClient,
  'status' | 'on' | 'off' | 'connect' | 'disconnect'
>
export type ConnectionLabel = 'connecting' | 'online' | 'offline'

export const useConnectionStore = defineStore('connection', () => {
  const status = ref<ConnectionStatus>('connecting')
  const held = ref(false)

  let source: ConnectionSource | null = null
  let detachSource: (() => void) | null = null

  const label = computed<ConnectionLabel>(() => {
    if (held.value || status.value === 'disconnected') return 'offline'
    return status.value === 'connected' ? 'online' : 'connecting'
  })

  function attach(client: ConnectionSource, options: { held?: boolean } = {}): void {
    detachSource?.()
    source = client
    const onStatus = (next: ConnectionStatus) => {
      status.value = next
    }
    client.on('status', onStatus)
    detachSource = () => client.off('status', onStatus)
    status.value = client.status
    held.value = options.held ?? false
  }

  function goOffline(): void {
    held.value = true
    source?.disconnect()
  }

  function goOnline(): void {
    held.value = false
    source?.connect()
  }

  /** Connects again after the server refused us (signed out, expired session), unless held. */
  function resume(): void {
    if (!held.value) source?.connect()
  }

  /** Closes the connection without holding it closed (signing out). */
  function suspend(): void {
    source?.disconnect()
  }

  return { status, held, label, attach, goOffline, goOnline, resume, suspend }
})
