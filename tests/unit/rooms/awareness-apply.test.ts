/**
 * Room.applyClientAwareness applies the entries the awareness filter parsed
 * (shared/awareness-entries.ts) instead of handing the filtered bytes to y-protocols'
 * `applyAwarenessUpdate` and sharing the identity afterwards. Whatever the frames, the room must
 * end as the old composition left it: the same states, clocks, relayed bytes and events.
 * Property runs are seeded: SEED=<n> replays one; the seed is printed when a run fails.
 */
import fc from 'fast-check'
import * as encoding from 'lib0/encoding'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { applyAwarenessUpdate, encodeAwarenessUpdate, type Awareness } from 'y-protocols/awareness'
import {
  filterAwarenessUpdate,
  type AwarenessIdentity,
} from '../../../server/rooms/awareness-filter.ts'
import { socketOrigin } from '../../../server/rooms/origins.ts'
import { createRoomAwareness, releaseAwareness } from '../../../server/rooms/room-awareness.ts'
import { Room } from '../../../server/rooms/room.ts'

const SEED = Number(process.env.SEED ?? 42)

/** Two sessions of one person (equal identities, distinct objects) and someone else. */
const sockets = [
  { id: 's1', userId: 'u1', identity: Object.freeze({ id: 'u1', name: 'Ada', color: '#61afef' }) },
  { id: 's2', userId: 'u1', identity: Object.freeze({ id: 'u1', name: 'Ada', color: '#61afef' }) },
  { id: 's3', userId: 'u2', identity: Object.freeze({ id: 'u2', name: 'Bo', color: '#e06c75' }) },
] as const
type TestSocket = (typeof sockets)[number]

// ---- The reference: the composition Room.applyClientAwareness used before (kept as it was). ----

const IDENTITY_KEYS = ['id', 'name', 'color'] as const

const isIdentity = (user: unknown, identity: AwarenessIdentity): boolean => {
  if (typeof user !== 'object' || user === null || Array.isArray(user)) return false
  const fields = user as Record<string, unknown>
  return (
    Object.keys(fields).length === 3 &&
    fields.id === identity.id &&
    fields.name === identity.name &&
    fields.color === identity.color
  )
}

const shareIdentity = (
  state: Record<string, unknown> | null | undefined,
  identity: AwarenessIdentity,
): void => {
  if (!state || !isIdentity(state.user, identity)) return
  const keys = Object.keys(state.user as object)
  if (IDENTITY_KEYS.every((key, index) => keys[index] === key)) state.user = identity
}

/** Room.mayUse and Room.claim, for the reference awareness: first use claims, a person shares. */
class Owners {
  private readonly owners = new Map<number, TestSocket>()
  mayUse(socket: TestSocket, clientId: number): boolean {
    const owner = this.owners.get(clientId)
    return owner === undefined || owner === socket || owner.userId === socket.userId
  }
  claim(socket: TestSocket, clientId: number): void {
    this.owners.set(clientId, socket)
  }
}

const applyTheOldWay = (
  awareness: Awareness,
  owners: Owners,
  socket: TestSocket,
  update: Uint8Array,
): Uint8Array | null => {
  const filtered = filterAwarenessUpdate(
    update,
    (clientId) => owners.mayUse(socket, clientId),
    socket.identity,
  )
  if (!filtered) return null
  for (const clientId of filtered.clientIds) owners.claim(socket, clientId)
  applyAwarenessUpdate(awareness, filtered.update, socketOrigin(socket.id))
  const { states } = awareness
  for (const clientId of filtered.clientIds) {
    shareIdentity(states.get(clientId) as Record<string, unknown> | undefined, socket.identity)
  }
  return filtered.update
}

// ---- Frames ----

type UserKind = 'own' | 'reordered' | 'other' | 'extra' | 'none' | 'string'

interface StateSpec {
  readonly user: UserKind
  /** JSON text: a few of them are changed by a JSON round trip (-0, numbers beyond doubles). */
  readonly value: string
  readonly userFirst: boolean
}

interface EntrySpec {
  /** Index into the client id pool, whose last id is the room's own. */
  readonly client: number
  readonly clock: number
  readonly state: StateSpec | null
}

const userJson = (kind: UserKind, socket: TestSocket): string | null => {
  const { id, name, color } = socket.identity
  const other = sockets.find((candidate) => candidate.userId !== socket.userId)!.identity
  switch (kind) {
    case 'own':
      return JSON.stringify({ id, name, color })
    case 'reordered':
      return JSON.stringify({ color, name, id })
    case 'other':
      return JSON.stringify(other)
    case 'extra':
      return JSON.stringify({ id, name, color, admin: true })
    case 'string':
      return '"Ada"'
    case 'none':
      return null
  }
}

const stateJson = (spec: StateSpec | null, socket: TestSocket): string => {
  if (spec === null) return 'null'
  const user = userJson(spec.user, socket)
  const fields = [`"cursor":${spec.value}`]
  if (user !== null) fields[spec.userFirst ? 'unshift' : 'push'](`"user":${user}`)
  return `{${fields.join(',')}}`
}

const frameOf = (entries: readonly EntrySpec[], socket: TestSocket, pool: number[]): Uint8Array => {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, entries.length)
  for (const entry of entries) {
    encoding.writeVarUint(encoder, pool[entry.client]!)
    encoding.writeVarUint(encoder, entry.clock)
    encoding.writeVarString(encoder, stateJson(entry.state, socket))
  }
  return encoding.toUint8Array(encoder)
}

const stateArbitrary: fc.Arbitrary<StateSpec> = fc.record({
  user: fc.constantFrom<UserKind>(
    'own',
    'own',
    'own',
    'reordered',
    'other',
    'extra',
    'none',
    'string',
  ),
  value: fc.oneof(
    fc.integer({ min: 0, max: 3 }).map(String),
    fc.constantFrom('-0', '1e400', '-1e-400', '[1,[-0,"e5"]]', '{"a":{"b":1e999}}', '"x"'),
    fc.constantFrom('{"__proto__":{"a":1}}', '{"constructor":2}', '{"b":1,"a":2,"2":3}'),
  ),
  userFirst: fc.boolean(),
})

const entryArbitrary: fc.Arbitrary<EntrySpec> = fc.record({
  client: fc.integer({ min: 0, max: 3 }),
  clock: fc.integer({ min: 0, max: 4 }),
  state: fc.option(stateArbitrary, { freq: 3, nil: null }),
})

const stepArbitrary = fc.record({
  socket: fc.integer({ min: 0, max: sockets.length - 1 }),
  entries: fc.array(entryArbitrary, { maxLength: 3 }),
})

type Listening = 'none' | 'update' | 'change' | 'both'

/** Records the events `awareness` emits, as they were when emitted. */
const recordEvents = (awareness: Awareness, listening: Listening): unknown[] => {
  const log: unknown[] = []
  for (const name of ['change', 'update'] as const) {
    if (listening === name || listening === 'both') {
      awareness.on(name, (...args: unknown[]) => log.push([name, structuredClone(args)]))
    }
  }
  return log
}

/** What the room holds, comparable with toEqual (which tells -0 from 0). */
const heldBy = (awareness: Awareness) => ({
  states: [...awareness.states],
  clocks: [...awareness.meta].map(([clientId, meta]) => [clientId, meta.clock]),
  // Whether each state's `user` is a session's identity object, not a parsed copy of one.
  shared: [...awareness.states].map(([clientId, state]) => [
    clientId,
    sockets.some((socket) => state.user === socket.identity),
  ]),
  encoded: encodeAwarenessUpdate(awareness, [...awareness.states.keys()]),
})

const emptyStored = () => ({
  snapshot: Y.encodeStateAsUpdate(new Y.Doc()),
  updates: [],
  lastSeq: 0,
})

describe('Room.applyClientAwareness from the parsed entries', () => {
  const cleanups: (() => void)[] = []
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup()
  })

  it('leaves states, clocks, relayed bytes and events as filter + applyAwarenessUpdate did', () => {
    try {
      fc.assert(
        fc.property(
          fc.array(stepArbitrary, { minLength: 1, maxLength: 25 }),
          fc.constantFrom<Listening>('none', 'update', 'change', 'both'),
          (steps, listening) => {
            const room = new Room('d1', 'w1', emptyStored())
            const reference = createRoomAwareness()
            try {
              for (const socket of sockets) room.addMember(socket.id, socket.userId)
              // The room's own id is in the pool: a client may send entries under it.
              const pool = [1, 2, 3, room.awareness.clientID]
              expect(reference.clientID).toBe(room.awareness.clientID)
              const owners = new Owners()
              const events = recordEvents(room.awareness, listening)
              const expectedEvents = recordEvents(reference, listening)
              for (const step of steps) {
                const socket = sockets[step.socket]!
                const frame = frameOf(step.entries, socket, pool)
                const expected = applyTheOldWay(reference, owners, socket, frame)
                const accepted = room.applyClientAwareness(socket.id, frame, socket.identity)
                expect(accepted?.update ?? null).toEqual(expected)
                expect(heldBy(room.awareness)).toEqual(heldBy(reference))
                expect(events).toEqual(expectedEvents)
              }
            } finally {
              room.destroy()
              releaseAwareness(reference)
            }
          },
        ),
        { seed: SEED, numRuns: 400, endOnFailure: true },
      )
    } catch (error) {
      console.error(`awareness apply property failed: reproduce with SEED=${SEED}`)
      throw error
    }
  })

  it('holds a stamped state as y-protocols parsed it again: -0 as 0, 1e400 as null', () => {
    const room = new Room('d1', 'w1', emptyStored())
    cleanups.push(() => room.destroy())
    room.addMember('s3', 'u2')
    const frame = frameOf(
      [{ client: 0, clock: 1, state: { user: 'other', value: '[-0,1e400]', userFirst: true } }],
      sockets[2],
      [7],
    )
    room.applyClientAwareness('s3', frame, sockets[2].identity)
    const held = room.awareness.getStates().get(7)
    expect(held).toEqual({ user: sockets[2].identity, cursor: [0, null] })
    expect(Object.is((held?.cursor as number[])[0], 0)).toBe(true)
    expect(held?.user).toBe(sockets[2].identity)
  })

  it("keeps y-protocols' rule that a remote null never removes the room's own state", () => {
    const room = new Room('d1', 'w1', emptyStored())
    cleanups.push(() => room.destroy())
    room.addMember('s1', 'u1')
    const own = room.awareness.clientID
    const removals: unknown[] = []
    room.awareness.on('update', ({ removed }: { removed: number[] }) => removals.push(removed))
    const state: StateSpec = { user: 'own', value: '1', userFirst: true }
    room.applyClientAwareness(
      's1',
      frameOf([{ client: 0, clock: 2, state }], sockets[0], [own]),
      sockets[0].identity,
    )
    expect(room.awareness.getLocalState()).toEqual({ user: sockets[0].identity, cursor: 1 })
    room.applyClientAwareness(
      's1',
      frameOf([{ client: 0, clock: 3, state: null }], sockets[0], [own]),
      sockets[0].identity,
    )
    // Still there, its clock one past the removal's, reported as removed as y-protocols does.
    expect(room.awareness.getLocalState()).not.toBeNull()
    expect(room.awareness.meta.get(own)?.clock).toBe(4)
    expect(removals).toEqual([[], [own]])
  })
})
