import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { applyAwarenessUpdate, Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness'
import { filterAwarenessUpdate } from '../../../server/rooms/awareness-filter.ts'

const identity = { id: 'u1', name: 'ada', color: '#123456' }

const frame = (clientID: number, state: Record<string, unknown>): Uint8Array => {
  const doc = new Y.Doc()
  doc.clientID = clientID
  const awareness = new Awareness(doc)
  awareness.setLocalState(state)
  const update = encodeAwarenessUpdate(awareness, [clientID])
  awareness.destroy()
  return update
}

const statesOf = (update: Uint8Array): unknown[] => {
  const target = new Awareness(new Y.Doc())
  target.setLocalState(null)
  applyAwarenessUpdate(target, update, 'test')
  const states = [...target.getStates().values()]
  target.destroy()
  return states
}

describe('filterAwarenessUpdate', () => {
  it('relays a frame already under the session identity as it came', () => {
    const update = frame(5, { user: { ...identity }, cursor: { anchor: 1 } })
    const filtered = filterAwarenessUpdate(update, () => true, identity)
    expect(filtered?.update).toBe(update)
    expect(filtered?.clientIds).toEqual([5])
  })

  it('stamps the session identity over what the client claims', () => {
    const update = frame(5, { user: { id: 'u2', name: 'mallory', color: '#000' }, cursor: 1 })
    const filtered = filterAwarenessUpdate(update, () => true, identity)
    expect(filtered?.update).not.toBe(update)
    expect(statesOf(filtered!.update)).toEqual([{ user: identity, cursor: 1 }])
  })

  it('stamps a user with extra fields, and drops entries the socket may not use', () => {
    const update = frame(5, { user: { ...identity, admin: true } })
    expect(filterAwarenessUpdate(update, () => true, identity)?.update).not.toBe(update)
    expect(filterAwarenessUpdate(update, () => false, identity)).toBeNull()
  })
})
