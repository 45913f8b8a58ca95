/**
 * The compact wire layout: every hot packet round-trips exactly, everything else is left to
 * MessagePack, and a damaged compact frame is refused with a clear error (never a wrong packet).
 * Property runs are seeded: SEED=<n> replays one; the seed is printed when a run fails.
 */
import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  decodeCompact,
  encodeCompact,
  isCompactFrame,
  MalformedFrameError,
  type WirePacket,
} from '../../../shared/compact-frames.ts'
import { clientWireParser, createWireParser } from '../../../shared/wire-parser.ts'

const SEED = Number(process.env.SEED ?? 42)
const bytesArbitrary = fc.uint8Array({ maxLength: 300 })
const uuidArbitrary = fc.uuid({ version: 4 })

/** Binary arguments compared by content, whatever view type carries them. */
const normalised = (packet: WirePacket): unknown => ({
  ...packet,
  data: Array.isArray(packet.data)
    ? packet.data.map((item: unknown) => (item instanceof Uint8Array ? [...item] : item))
    : packet.data,
})

const roundTrip = (packet: WirePacket): WirePacket => {
  const frame = encodeCompact(packet)
  expect(frame, 'expected a compact frame').not.toBeNull()
  expect(isCompactFrame(frame!)).toBe(true)
  return decodeCompact(frame!)
}

describe('compact frames', () => {
  it('round-trips updates, awareness and combined changes, with and without ack ids', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('doc:update', 'awareness:update', 'doc:change'),
        uuidArbitrary,
        bytesArbitrary,
        bytesArbitrary,
        fc.option(fc.nat({ max: 2 ** 40 }), { nil: undefined }),
        (event, docId, first, second, id) => {
          const data =
            event === 'doc:change' ? [event, docId, first, second] : [event, docId, first]
          const packet: WirePacket =
            id === undefined ? { type: 2, nsp: '/', data } : { type: 2, nsp: '/', data, id }
          expect(normalised(roundTrip(packet))).toEqual(normalised(packet))
        },
      ),
      { seed: SEED, numRuns: 500 },
    )
  })

  it('round-trips {ok: true} acknowledgements', () => {
    for (const id of [0, 1, 127, 128, 300, 2 ** 31, Number.MAX_SAFE_INTEGER]) {
      expect(roundTrip({ type: 3, nsp: '/', id, data: [{ ok: true }] })).toEqual({
        type: 3,
        nsp: '/',
        id,
        data: [{ ok: true }],
      })
    }
  })

  it('is much smaller than MessagePack for an update', () => {
    const packet = { type: 2, nsp: '/', data: ['doc:update', randomUUID(), new Uint8Array(20)] }
    const compact = encodeCompact(packet)!
    const [msgpack] = new (createWireParser((bytes) => Buffer.from(bytes)).Encoder)().encode({
      ...packet,
      data: ['doc:update!', ...packet.data.slice(1)],
    }) as [Buffer]
    expect(compact.byteLength).toBe(1 + 1 + 16 + 20)
    expect(msgpack.byteLength - compact.byteLength).toBeGreaterThan(40)
  })

  it('leaves every other packet to MessagePack', () => {
    const id = randomUUID()
    const bytes = new Uint8Array([1, 2, 3])
    const others: WirePacket[] = [
      { type: 2, nsp: '/', data: ['doc:join', { docId: id, stateVector: bytes }], id: 1 },
      { type: 2, nsp: '/admin', data: ['doc:update', id, bytes] },
      { type: 2, nsp: '/', data: ['doc:update', id.toUpperCase(), bytes] },
      { type: 2, nsp: '/', data: ['doc:update', 'not-a-uuid', bytes] },
      { type: 2, nsp: '/', data: ['doc:update', id, 'text'] },
      { type: 2, nsp: '/', data: ['doc:update', id, bytes, 'extra'] },
      { type: 2, nsp: '/', data: ['doc:change', id, bytes] },
      { type: 2, nsp: '/', data: ['doc:update', id, bytes], id: -1 },
      { type: 3, nsp: '/', id: 4, data: [{ ok: false, error: { code: 'x', message: 'y' } }] },
      { type: 3, nsp: '/', id: 4, data: [{ ok: true, extra: 1 }] },
      { type: 0, nsp: '/', data: { token: 'secret' } },
    ]
    for (const packet of others) expect(encodeCompact(packet), JSON.stringify(packet)).toBeNull()
  })

  it('refuses damaged frames with MalformedFrameError', () => {
    const good = encodeCompact({
      type: 2,
      nsp: '/',
      id: 9,
      data: ['doc:change', randomUUID(), new Uint8Array(10), new Uint8Array(5)],
    })!
    const damaged = [
      good.subarray(0, 10),
      Uint8Array.of(0),
      Uint8Array.of(5, 0),
      Uint8Array.of(4),
      Uint8Array.of(4, 1, 2),
      Uint8Array.of(4, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
      Uint8Array.from([3, 0, ...new Uint8Array(16), 50, 1, 2]),
    ]
    for (const frame of damaged) expect(() => decodeCompact(frame)).toThrow(MalformedFrameError)
  })

  it('decodes arbitrary bytes to a packet or a MalformedFrameError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (bytes) => {
        fc.pre(isCompactFrame(bytes))
        try {
          const packet = decodeCompact(bytes)
          expect([2, 3]).toContain(packet.type)
        } catch (error) {
          expect(error).toBeInstanceOf(MalformedFrameError)
        }
      }),
      { seed: SEED, numRuns: 2000 },
    )
  })

  it('goes through the client parser: compact out, compact and MessagePack in', () => {
    const encoder = new clientWireParser.Encoder()
    const decoder = new clientWireParser.Decoder()
    const decoded: unknown[] = []
    decoder.on('decoded', (packet: unknown) => decoded.push(packet))
    const docId = randomUUID()
    const update = new Uint8Array([7, 8, 9])
    for (const packet of [
      { type: 2, nsp: '/', data: ['doc:update', docId, update], id: 3 },
      { type: 2, nsp: '/', data: ['world:subscribe', docId], id: 4 },
    ]) {
      const [frame] = encoder.encode(packet) as [ArrayBuffer | Uint8Array]
      // Compact frames leave the client as exact ArrayBuffers (what browsers send as binary).
      if (packet.data[0] === 'doc:update') expect(frame).toBeInstanceOf(ArrayBuffer)
      decoder.add(frame)
    }
    expect(decoded.map((packet) => normalised(packet as WirePacket))).toEqual([
      { type: 2, nsp: '/', data: ['doc:update', docId, [7, 8, 9]], id: 3 },
      { type: 2, nsp: '/', data: ['world:subscribe', docId], id: 4 },
    ])
  })
})
