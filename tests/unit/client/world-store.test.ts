import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import type { ElementSummary } from '../../../shared/api.ts'
import type { WorldListener } from '../../../client/collab/world-subscription.ts'
import { useWorldStore, type WorldSource } from '../../../client/stores/world.ts'

const WORLD = '6f1c2a4e-8b1d-4c3e-9f2a-1b2c3d4e5f60'
const OTHER_WORLD = '7a1c2a4e-8b1d-4c3e-9f2a-1b2c3d4e5f61'

const summary = (id: string, patch: Partial<ElementSummary> = {}): ElementSummary => ({
  id,
  worldId: WORLD,
  kind: 'character',
  name: id,
  summary: '',
  updatedAt: '2025-01-01T00:00:00.000Z',
  ...patch,
})

/** Stands in for the CollabClient: hands the listener to the test and counts unsubscribes. */
const fakeSource = () => {
  const listeners = new Map<string, WorldListener>()
  let unsubscribed = 0
  const source: WorldSource = {
    subscribeWorld(worldId, listener) {
      listeners.set(worldId, listener)
      return {
        worldId,
        unsubscribe: () => {
          unsubscribed++
          listeners.delete(worldId)
        },
      }
    },
  }
  const listener = (worldId: string): WorldListener => {
    const found = listeners.get(worldId)
    if (!found) throw new Error(`nobody subscribed to ${worldId}`)
    return found
  }
  return { source, listener, unsubscribed: () => unsubscribed }
}

describe('world store', () => {
  let pinia: Pinia
  beforeEach(() => {
    pinia = createPinia()
    setActivePinia(pinia)
  })

  it('applies the full list, then created, updated and deleted events', () => {
    const store = useWorldStore(pinia)
    const { source, listener } = fakeSource()
    store.open(WORLD, source)
    expect(store.loaded).toBe(false)

    listener(WORLD).reset([summary('b', { name: 'Bram' }), summary('a', { name: 'Aster' })], [])
    expect(store.loaded).toBe(true)
    expect(store.count).toBe(2)

    listener(WORLD).created(summary('c', { name: 'Cairn', kind: 'location' }))
    listener(WORLD).updated(
      summary('a', { name: 'Aster the Bold', updatedAt: '2025-01-02T00:00:00.000Z' }),
    )
    listener(WORLD).deleted({ id: 'b', worldId: WORLD })

    expect(store.groups).toEqual([
      {
        kind: 'character',
        elements: [summary('a', { name: 'Aster the Bold', updatedAt: '2025-01-02T00:00:00.000Z' })],
      },
      { kind: 'location', elements: [summary('c', { name: 'Cairn', kind: 'location' })] },
    ])
  })

  it('keeps the newer row when an older update arrives late', () => {
    const store = useWorldStore(pinia)
    const { source, listener } = fakeSource()
    store.open(WORLD, source)
    listener(WORLD).reset(
      [summary('a', { name: 'New', updatedAt: '2025-01-03T00:00:00.000Z' })],
      [],
    )
    listener(WORLD).updated(summary('a', { name: 'Old', updatedAt: '2025-01-01T00:00:00.000Z' }))
    expect(store.elements.a?.name).toBe('New')
  })

  it('adds an element it first hears of through an update, and ignores unknown deletions', () => {
    const store = useWorldStore(pinia)
    const { source, listener } = fakeSource()
    store.open(WORLD, source)
    listener(WORLD).reset([], [])
    listener(WORLD).updated(summary('x', { name: 'Xan' }))
    listener(WORLD).deleted({ id: 'nope', worldId: WORLD })
    expect(Object.keys(store.elements)).toEqual(['x'])
  })

  it('filters by name or summary, case-insensitively, and sorts by name within a kind', () => {
    const store = useWorldStore(pinia)
    const { source, listener } = fakeSource()
    store.open(WORLD, source)
    listener(WORLD).reset(
      [
        summary('1', { name: 'zephyr' }),
        summary('2', { name: 'Amber', summary: 'A Harbour town' }),
        summary('3', { name: 'harbour master' }),
      ],
      [],
    )
    store.setFilter('HARBOUR')
    expect(store.groups.flatMap((group) => group.elements.map((e) => e.name))).toEqual([
      'Amber',
      'harbour master',
    ])
    store.setFilter('')
    expect(store.groups[0]?.elements.map((e) => e.name)).toEqual([
      'Amber',
      'harbour master',
      'zephyr',
    ])
  })

  it('leaves the previous world when another opens and drops its late events', () => {
    const store = useWorldStore(pinia)
    const { source, listener, unsubscribed } = fakeSource()
    store.open(WORLD, source)
    const stale = listener(WORLD)
    store.open(OTHER_WORLD, source)
    expect(unsubscribed()).toBe(1)
    stale.created(summary('late'))
    expect(store.count).toBe(0)
    listener(OTHER_WORLD).reset([summary('o', { worldId: OTHER_WORLD })], [])
    expect(Object.keys(store.elements)).toEqual(['o'])
  })

  it('tracks who has which element open: the list on subscribe, then presence events', () => {
    const store = useWorldStore(pinia)
    const { source, listener } = fakeSource()
    store.open(WORLD, source)
    const ada = { id: 'u-ada', name: 'ada', color: '#c32258' }
    const bo = { id: 'u-bo', name: 'bo', color: '#22c385' }
    listener(WORLD).reset(
      [summary('a'), summary('b')],
      [
        { id: 'a', worldId: WORLD, users: [ada] },
        { id: 'b', worldId: WORLD, users: [] },
      ],
    )
    expect(store.present).toEqual({ a: [ada] })

    listener(WORLD).presence?.({ id: 'b', worldId: WORLD, users: [ada, bo] })
    expect(store.present).toEqual({ a: [ada], b: [ada, bo] })
    listener(WORLD).presence?.({ id: 'a', worldId: WORLD, users: [] })
    expect(store.present).toEqual({ b: [ada, bo] })

    store.open(OTHER_WORLD, source)
    expect(store.present).toEqual({})
  })

  it('records a refused subscription', () => {
    const store = useWorldStore(pinia)
    const { source, listener } = fakeSource()
    store.open(WORLD, source)
    listener(WORLD).error?.({ code: 'not-found', message: 'no such world' })
    expect(store.error).toEqual({ code: 'not-found', message: 'no such world' })
  })
})
