/**
 * The open world's element index, mirrored from `world:subscribe`: the full list on every
 * (re)subscribe, then created / updated / deleted events. The sidebar reads it; nothing writes to it
 * except those events.
 */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { ElementSummary, World } from '../../shared/api.ts'
import { ELEMENT_KINDS, type ElementKind } from '../../shared/element-kinds.ts'
import type { ErrorPayload } from '../../shared/errors.ts'
import type { ElementDeleted, ElementPresence, PresentUser } from '../../shared/protocol.ts'
import type { Role } from '../../shared/roles.ts'
import type { WorldListener, WorldSubscription } from '../collab/world-subscription.ts'

export interface WorldSource {
  subscribeWorld(worldId: string, listener: WorldListener): WorldSubscription
}

export interface ElementGroup {
  readonly kind: ElementKind
  readonly elements: readonly ElementSummary[]
}

const byName = (a: ElementSummary, b: ElementSummary): number =>
  a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }) || a.id.localeCompare(b.id)

export const useWorldStore = defineStore('world', () => {
  const worldId = ref<string | null>(null)
  const world = ref<World | null>(null)
  const elements = ref<Record<string, ElementSummary>>({})
  /** True once the first full list arrived for the current world. */
  const loaded = ref(false)
  const error = ref<ErrorPayload | null>(null)
  const filter = ref('')
  /** Who has each element open, as the server reports it (people, not tabs). */
  const present = ref<Record<string, readonly PresentUser[]>>({})

  let subscription: WorldSubscription | null = null

  const count = computed(() => Object.keys(elements.value).length)

  /** Elements matching the filter, grouped by kind in the canonical kind order, sorted by name. */
  const groups = computed<ElementGroup[]>(() => {
    const needle = filter.value.trim().toLocaleLowerCase()
    const matches = Object.values(elements.value).filter(
      (element) =>
        needle === '' ||
        element.name.toLocaleLowerCase().includes(needle) ||
        element.summary.toLocaleLowerCase().includes(needle),
    )
    return ELEMENT_KINDS.map((kind) => ({
      kind,
      elements: matches.filter((element) => element.kind === kind).sort(byName),
    })).filter((group) => group.elements.length > 0)
  })

  const listener: WorldListener = {
    reset(list, presence) {
      const next: Record<string, ElementSummary> = {}
      for (const element of list) next[element.id] = element
      elements.value = next
      const people: Record<string, readonly PresentUser[]> = {}
      for (const entry of presence) if (entry.users.length > 0) people[entry.id] = entry.users
      present.value = people
      loaded.value = true
      error.value = null
    },
    created(element) {
      elements.value = { ...elements.value, [element.id]: element }
    },
    updated(element) {
      const known = elements.value[element.id]
      // Events can cross a fresh list on reconnect; never let an older row replace a newer one.
      if (known && known.updatedAt > element.updatedAt) return
      elements.value = { ...elements.value, [element.id]: element }
    },
    deleted(element: ElementDeleted) {
      if (!(element.id in elements.value)) return
      const next = { ...elements.value }
      delete next[element.id]
      elements.value = next
    },
    presence(entry: ElementPresence) {
      const next = { ...present.value }
      if (entry.users.length > 0) next[entry.id] = entry.users
      else delete next[entry.id]
      present.value = next
    },
    error(failure) {
      error.value = failure
    },
  }

  /** Follows a world's index; a previous world is left first. */
  function open(id: string, source: WorldSource): void {
    if (worldId.value === id && subscription) return
    close()
    worldId.value = id
    // Events for a world we already left are dropped here rather than trusted to stop in time.
    const whileCurrent =
      <A extends unknown[]>(apply: (...args: A) => void) =>
      (...args: A): void => {
        if (worldId.value === id) apply(...args)
      }
    subscription = source.subscribeWorld(id, {
      reset: whileCurrent(listener.reset),
      created: whileCurrent(listener.created),
      updated: whileCurrent(listener.updated),
      deleted: whileCurrent(listener.deleted),
      presence: whileCurrent((entry: ElementPresence) => listener.presence?.(entry)),
      error: whileCurrent((failure: ErrorPayload) => listener.error?.(failure)),
    })
  }

  function close(): void {
    subscription?.unsubscribe()
    subscription = null
    worldId.value = null
    world.value = null
    elements.value = {}
    present.value = {}
    loaded.value = false
    error.value = null
    filter.value = ''
  }

  /** The world's own record (its name), fetched over HTTP by the page that shows it. */
  function setWorld(value: World): void {
    if (value.id === worldId.value) world.value = value
  }

  /**
   * Our role changed while the world is open (an owner changed it; an element's session learned it
   * first). What the page offers follows: the new-element form, the members panel.
   */
  function setRole(role: Role): void {
    if (world.value && world.value.role !== role) world.value = { ...world.value, role }
  }

  function setFilter(value: string): void {
    filter.value = value
  }

  return {
    worldId,
    world,
    elements,
    loaded,
    error,
    filter,
    present,
    count,
    groups,
    open,
    close,
    setWorld,
    setRole,
    setFilter,
  }
})
