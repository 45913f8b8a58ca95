/**
 * The wire parser's Decoder holds its `decoded` listeners itself (one per connection, without
 * component-emitter's table) and behaves as component-emitter did: order, `once`, every form of
 * `off`, `listeners`, and other events through the table as before.
 */
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { encodeCompact, type WirePacket } from '../../../shared/compact-frames.ts'
import { createWireParser } from '../../../shared/wire-parser.ts'

const { Decoder } = createWireParser((bytes) => Buffer.from(bytes))

const packet: WirePacket = {
  type: 2,
  nsp: '/',
  data: ['doc:update', randomUUID(), new Uint8Array([1, 2, 3])],
}
const frame = encodeCompact(packet)!

/** component-emitter's table, where the Decoder's other events still go. */
const tableOf = (decoder: object): Record<string, unknown> | undefined =>
  (decoder as { _callbacks?: Record<string, unknown> })._callbacks

describe('the wire Decoder', () => {
  it('hands decoded packets to its one listener without building a listener table', () => {
    const decoder = new Decoder()
    const received: unknown[] = []
    const contexts: unknown[] = []
    decoder.on('decoded', function (this: unknown, decoded: unknown) {
      contexts.push(this)
      received.push(decoded)
    })
    decoder.add(frame)
    decoder.add(frame)
    expect(received).toHaveLength(2)
    expect(((received[0] as WirePacket).data as unknown[])[0]).toBe('doc:update')
    expect(contexts).toEqual([decoder, decoder])
    expect(tableOf(decoder)).toBeUndefined()
    expect(decoder.hasListeners('decoded')).toBe(true)
    expect(decoder.listeners('decoded')).toHaveLength(1)
  })

  it('calls several listeners in order and removes them as component-emitter does', () => {
    const decoder = new Decoder()
    const calls: string[] = []
    const first = (): void => void calls.push('first')
    const second = (): void => void calls.push('second')
    const once = (): void => void calls.push('once')
    decoder.on('decoded', first)
    decoder.on('decoded', second)
    decoder.once('decoded', once)
    decoder.add(frame)
    expect(calls).toEqual(['first', 'second', 'once'])
    calls.length = 0
    decoder.add(frame)
    expect(calls).toEqual(['first', 'second'])
    // Removing by a listener never added changes nothing.
    decoder.off('decoded', once)
    decoder.removeListener('decoded', first)
    calls.length = 0
    decoder.add(frame)
    expect(calls).toEqual(['second'])
    expect(decoder.listeners('decoded')).toEqual([second])
    // An event alone removes all of its listeners; no arguments, every listener.
    decoder.on('decoded', first)
    decoder.removeEventListener('decoded')
    expect(decoder.hasListeners('decoded')).toBe(false)
    decoder.on('decoded', first)
    decoder.removeAllListeners()
    expect(decoder.hasListeners('decoded')).toBe(false)
    calls.length = 0
    decoder.add(frame)
    expect(calls).toEqual([])
  })

  it('removes a `once` listener by the listener it wraps before it fires', () => {
    const decoder = new Decoder()
    const calls: string[] = []
    const listener = (): void => void calls.push('once')
    decoder.once('decoded', listener)
    decoder.off('decoded', listener)
    decoder.add(frame)
    expect(calls).toEqual([])
  })

  it('keeps other events in the table', () => {
    const decoder = new Decoder()
    const seen: unknown[] = []
    const listener = (value: unknown): void => void seen.push(value)
    decoder.on('other', listener)
    decoder.emit('other', 1)
    expect(seen).toEqual([1])
    expect(decoder.listeners('other')).toEqual([listener])
    decoder.off('other', listener)
    decoder.emit('other', 2)
    expect(seen).toEqual([1])
    expect(decoder.hasListeners('other')).toBe(false)
  })
})
