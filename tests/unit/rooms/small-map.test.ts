/**
 * SmallMap (server/rooms/small-map.ts) behaves as a Map: the same answers for the same operations,
 * whether it holds its one entry inline or has moved to a Map, and back once empty.
 */
import { describe, expect, it } from 'vitest'
import { SmallMap } from '../../../server/rooms/small-map.ts'
import { seedFromEnv, withSeed } from '../../helpers/prng.ts'

/** Four default seeds are plenty for a two-field structure; `SEED=n` replays one. */
const SEEDS = seedFromEnv([7, 7919, 15838, 23757])

const contents = <K, V>(map: Map<K, V>) => ({
  size: map.size,
  entries: [...map],
  keys: [...map.keys()],
  values: [...map.values()],
  forEach: (() => {
    const seen: [K, V][] = []
    map.forEach((value, key, owner) => {
      expect(owner).toBe(map)
      seen.push([key, value])
    })
    return seen
  })(),
})

describe('SmallMap', () => {
  it.each(SEEDS)('answers as a Map does through a random run of operations (seed %i)', (seed) =>
    withSeed(seed, async (random) => {
      const keys = [1, 2, 3, 0, -0, Number.NaN]
      const small = new SmallMap<number, string>()
      const real = new Map<number, string>()
      for (let step = 0; step < 2000; step++) {
        const key = random.pick(keys)
        const op = random.int(0, 9)
        if (op < 4) {
          expect(small.set(key, `v${step}`)).toBe(small)
          real.set(key, `v${step}`)
        } else if (op < 7) {
          expect(small.delete(key)).toBe(real.delete(key))
        } else if (op === 7 && random.chance(0.25)) {
          small.clear()
          real.clear()
        } else {
          expect(small.get(key)).toBe(real.get(key))
          expect(small.has(key)).toBe(real.has(key))
        }
        expect(contents(small)).toEqual(contents(real))
      }
    }),
  )

  it('holds one entry in its own fields and a Map from the second key, in insertion order', () => {
    const map = new SmallMap<string, number>()
    map.set('a', 1)
    expect(Object.values(map).some((field) => field instanceof Map)).toBe(false)
    map.set('a', 2)
    expect([...map]).toEqual([['a', 2]])
    map.set('b', 3).set('c', 4)
    expect(Object.values(map).some((field) => field instanceof Map)).toBe(true)
    expect([...map.entries()]).toEqual([
      ['a', 2],
      ['b', 3],
      ['c', 4],
    ])
    map.delete('a')
    map.delete('b')
    map.delete('c')
    expect(map.size).toBe(0)
    // Empty again: back to its two fields.
    expect(Object.values(map).some((field) => field instanceof Map)).toBe(false)
    map.set('d', 5)
    expect([...map]).toEqual([['d', 5]])
  })

  it('stores -0 as 0, finds NaN, passes thisArg, and copies a Map with `from`', () => {
    const map = new SmallMap<number, string>()
    map.set(-0, 'zero')
    expect(Object.is([...map.keys()][0], 0)).toBe(true)
    expect(map.get(0)).toBe('zero')
    map.clear()
    map.set(Number.NaN, 'nan')
    expect(map.get(Number.NaN)).toBe('nan')
    const context = {}
    map.forEach(function (this: unknown) {
      expect(this).toBe(context)
    }, context)
    const copy = SmallMap.from(
      new Map([
        [1, 'a'],
        [2, 'b'],
      ]),
    )
    expect([...copy]).toEqual([
      [1, 'a'],
      [2, 'b'],
    ])
    expect(SmallMap.from(new Map()).size).toBe(0)
  })

  it('lets what it yields be deleted while iterating, as code that empties a map does', () => {
    for (const count of [1, 3]) {
      const map = new SmallMap<number, number>()
      for (let key = 0; key < count; key++) map.set(key, key)
      const visited: number[] = []
      for (const key of map.keys()) {
        visited.push(key)
        map.delete(key)
      }
      expect(visited).toEqual([...Array(count).keys()])
      expect(map.size).toBe(0)
    }
  })
})
