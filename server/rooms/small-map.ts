/**
 * A Map for the many maps that hold one entry or none: the members of a room, its client-id
 * owners, its awareness states and clocks, a socket's joined documents, Socket.IO's per-socket
 * acknowledgement and namespace tables. A Map costs 184 bytes however empty (its object and a hash
 * table with room for four entries); this holds one entry in two fields (40 bytes) and moves to a
 * real Map, which it then delegates to, when a second key arrives (benchmark T3: eight such maps
 * came with every open element and its first connection, four with every other connection).
 *
 * It behaves as a Map does for every use of those maps: SameValueZero keys, insertion order,
 * `forEach` and the iterators, `set` returning the map. Two differences, neither relied on by the
 * code that holds one: an iterator taken while it holds one entry is a snapshot of that entry (a
 * key added during the iteration is not visited), and `instanceof Map` is false.
 */

/** The key slot when the map is empty. */
const NONE: unique symbol = Symbol('SmallMap.none')
/** The key slot when `value` is the Map holding every entry. */
const MANY: unique symbol = Symbol('SmallMap.many')

/** Map's key equality: === except that NaN equals NaN. */
const sameValueZero = (a: unknown, b: unknown): boolean => a === b || (a !== a && b !== b)

export class SmallMap<K, V> implements Map<K, V> {
  private key: K | typeof NONE | typeof MANY = NONE
  private value: V | Map<K, V> | undefined = undefined

  /** A SmallMap holding `entries` (a Map, say) in their order. */
  static from<K, V>(entries: Iterable<readonly [K, V]>): SmallMap<K, V> {
    const map = new SmallMap<K, V>()
    for (const [key, value] of entries) map.set(key, value)
    return map
  }

  /** The Map holding every entry, once there was a second key; null while inline. */
  private get many(): Map<K, V> | null {
    return this.key === MANY ? (this.value as Map<K, V>) : null
  }

  get size(): number {
    const many = this.many
    if (many) return many.size
    return this.key === NONE ? 0 : 1
  }

  get(key: K): V | undefined {
    const many = this.many
    if (many) return many.get(key)
    return this.key !== NONE && sameValueZero(this.key, key) ? (this.value as V) : undefined
  }

  has(key: K): boolean {
    const many = this.many
    if (many) return many.has(key)
    return this.key !== NONE && sameValueZero(this.key, key)
  }

  set(key: K, value: V): this {
    const many = this.many
    if (many) {
      many.set(key, value)
    } else if (this.key === NONE || sameValueZero(this.key, key)) {
      // Map stores -0 as +0.
      this.key = (Object.is(key, -0) ? 0 : key) as K
      this.value = value
    } else {
      const all = new Map<K, V>().set(this.key as K, this.value as V).set(key, value)
      this.key = MANY
      this.value = all
    }
    return this
  }

  delete(key: K): boolean {
    const many = this.many
    if (many) {
      const deleted = many.delete(key)
      // Back to two fields once empty (a live iterator of the Map just ends, as it would).
      if (many.size === 0) this.clear()
      return deleted
    }
    if (this.key === NONE || !sameValueZero(this.key, key)) return false
    this.clear()
    return true
  }

  clear(): void {
    // Ends live iterators of the Map, as Map's own clear does.
    this.many?.clear()
    this.key = NONE
    this.value = undefined
  }

  forEach(callback: (value: V, key: K, map: Map<K, V>) => void, thisArg?: unknown): void {
    const many = this.many
    if (many) {
      many.forEach((value, key) => callback.call(thisArg, value, key, this))
    } else if (this.key !== NONE) {
      callback.call(thisArg, this.value as V, this.key as K, this)
    }
  }

  entries(): MapIterator<[K, V]> {
    const many = this.many
    if (many) return many.entries()
    const entries: [K, V][] = this.key === NONE ? [] : [[this.key as K, this.value as V]]
    return entries.values()
  }

  keys(): MapIterator<K> {
    const many = this.many
    if (many) return many.keys()
    return (this.key === NONE ? [] : [this.key as K]).values()
  }

  values(): MapIterator<V> {
    const many = this.many
    if (many) return many.values()
    return (this.key === NONE ? [] : [this.value as V]).values()
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries()
  }

  get [Symbol.toStringTag](): string {
    return 'SmallMap'
  }
}
