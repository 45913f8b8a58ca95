/**
 * PresenceRenewals on fake timers: one batch per room, RENEWAL_DELAY_MS after its first held
 * renewal, well inside the 30 s after which y-protocols replicas drop a state they stopped hearing.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { outdatedTimeout } from 'y-protocols/awareness'
import type { Room } from '../../../server/rooms/room.ts'
import { PresenceRenewals, RENEWAL_DELAY_MS } from '../../../server/realtime/presence-renewals.ts'

/** Rooms are only keys here. */
const room = (docId: string): Room => ({ docId }) as unknown as Room

describe('PresenceRenewals', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('relays each room once, the delay after its first renewal, with every id held', () => {
    const relayed: [string, number[]][] = []
    const renewals = new PresenceRenewals((r, ids) => relayed.push([r.docId, [...ids]]))
    const one = room('one')
    const two = room('two')
    renewals.hold(one, [1])
    vi.advanceTimersByTime(1000)
    renewals.hold(two, [7])
    renewals.hold(one, [2, 1])
    vi.advanceTimersByTime(RENEWAL_DELAY_MS - 1001)
    expect(relayed).toEqual([])
    vi.advanceTimersByTime(1)
    expect(relayed).toEqual([['one', [1, 2]]])
    vi.advanceTimersByTime(1000)
    expect(relayed).toEqual([
      ['one', [1, 2]],
      ['two', [7]],
    ])
    // A new renewal starts a new batch.
    renewals.hold(one, [3])
    vi.advanceTimersByTime(RENEWAL_DELAY_MS)
    expect(relayed.at(-1)).toEqual(['one', [3]])
  })

  it('skips what a change superseded, and everything once cleared', () => {
    const relayed: number[][] = []
    const renewals = new PresenceRenewals((_room, ids) => relayed.push([...ids]))
    const one = room('one')
    renewals.hold(one, [1, 2])
    renewals.supersede(one, [1])
    renewals.supersede(room('other'), [2])
    vi.advanceTimersByTime(RENEWAL_DELAY_MS)
    expect(relayed).toEqual([[2]])
    renewals.hold(one, [1])
    renewals.supersede(one, [1])
    vi.advanceTimersByTime(RENEWAL_DELAY_MS)
    expect(relayed).toEqual([[2]])
    renewals.hold(one, [5])
    renewals.clear()
    vi.advanceTimersByTime(RENEWAL_DELAY_MS)
    expect(relayed).toEqual([[2]])
  })

  it('holds a renewal far less than the time replicas wait before dropping a state', () => {
    // y-protocols renews 15–18 s after the last update (checked every 3 s) and drops after 30 s.
    const latestRenewal = outdatedTimeout / 2 + outdatedTimeout / 10
    expect(latestRenewal + RENEWAL_DELAY_MS).toBeLessThanOrEqual(outdatedTimeout - 5000)
  })
})
