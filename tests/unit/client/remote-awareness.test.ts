/**
 * The client applies the carets the server relays with `decodeAwarenessEntries` and
 * `applyAwarenessEntries` (shared/awareness-entries.ts) instead of y-protocols'
 * `applyAwarenessUpdate`, skipping the comparison with each previous state when nothing listens
 * to 'change'. Whatever the frames, a replica must end as y-protocols would leave it: the same
 * states, clocks and events, for whoever listens. Seeded: SEED=<n> replays one run; the seed is
 * printed when a run fails.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Awareness, applyAwarenessUpdate } from 'y-protocols/awareness'
import { applyAwarenessEntries, decodeAwarenessEntries } from '../../../shared/awareness-entries.ts'
import { awarenessFrameOf } from '../../helpers/awareness-frames.ts'

const SEED = Number(process.env.SEED ?? 7)

/** Client ids a frame may name; the first is the replica's own. */
const POOL = [1, 2, 3]

const stateArbitrary = fc.oneof(
  { weight: 1, arbitrary: fc.constant(null) },
  {
    weight: 4,
    arbitrary: fc.record({
      user: fc.constantFrom({ name: 'Ada', color: '#61afef' }, { name: 'Bo', color: '#e06c75' }),
      cursor: fc.oneof(fc.constant(null), fc.record({ anchor: fc.nat(3), head: fc.nat(3) })),
    }),
  },
)

const framesArbitrary = fc.array(
  fc.array(fc.tuple(fc.constantFrom(...POOL), fc.nat(4), stateArbitrary), {
    minLength: 1,
    maxLength: 3,
  }),
  { minLength: 1, maxLength: 12 },
)

type Event = [name: string, change: unknown, origin: unknown]

/** A replica that may already hold a local state, recording the events `listen` names. */
const replica = (listen: readonly string[], local: boolean) => {
  const doc = new Y.Doc()
  doc.clientID = POOL[0]!
  const awareness = new Awareness(doc)
  if (!local) awareness.setLocalState(null)
  const events: Event[] = []
  for (const name of listen) {
    awareness.on(name as 'change', (change: unknown, origin: unknown) =>
      events.push([name, change, origin]),
    )
  }
  return { awareness, events }
}

const snapshot = (awareness: Awareness) => ({
  states: [...awareness.getStates()].sort(([a], [b]) => a - b),
  clocks: [...awareness.meta].map(([id, meta]) => [id, meta.clock]).sort(([a], [b]) => a! - b!),
})

describe('remote awareness on the client', () => {
  for (const listen of [['update'], ['change', 'update'], []] as const) {
    it(`ends as y-protocols would, listening to ${listen.join(' and ') || 'nothing'}`, () => {
      try {
        fc.assert(
          fc.property(framesArbitrary, fc.boolean(), (frames, local) => {
            const theirs = replica(listen, local)
            const ours = replica(listen, local)
            for (const entries of frames) {
              const frame = awarenessFrameOf(...entries)
              applyAwarenessUpdate(theirs.awareness, frame, 'remote')
              applyAwarenessEntries(ours.awareness, decodeAwarenessEntries(frame), 'remote')
              expect(snapshot(ours.awareness)).toEqual(snapshot(theirs.awareness))
            }
            expect(ours.events).toEqual(theirs.events)
            theirs.awareness.destroy()
            ours.awareness.destroy()
          }),
          { seed: SEED, numRuns: 300 },
        )
      } catch (error) {
        throw new Error(`SEED=${SEED}: ${String(error)}`)
      }
    })
  }
})
