/**
 * The compact form of the few Socket.IO packets that make up nearly all Loresync traffic: document
 * updates, awareness frames, the two together, and the `{ok: true}` acknowledgement.
 *
 * In MessagePack every such packet spelled out `{type, nsp, data: [eventName, docId, …], id}`:
 * about 70 bytes of envelope around a 20–200 byte Yjs payload, paid once per recipient. Here the
 * event name and packet type are one tag byte and the element id travels as its 16 UUID bytes:
 *
 *   EVENT  [tag 1–3] [varUint ackId + 1, 0 = no ack] [16-byte docId] [payload]
 *            tag 1 'doc:update'        payload = the update
 *            tag 2 'awareness:update'  payload = the awareness frame
 *            tag 3 'doc:change'        payload = varUint update length, the update, the awareness
 *   ACK    [tag 4] [varUint ackId]     data = [{ok: true}]
 *
 * A MessagePack packet always starts with a map marker (0x80 or above), so tags 1–4 can never be
 * mistaken for one. Anything else (other events, other namespaces, ids that are not canonical
 * UUIDs, failures) stays MessagePack: this module only answers "can this packet be compact?".
 */

/** Socket.IO packet types (socket.io-parser / socket.io-msgpack-parser). */
const EVENT = 2
const ACK = 3

export interface WirePacket {
  readonly type: number
  readonly nsp: string
  readonly data?: unknown
  readonly id?: number
}

const EVENT_TAGS: Readonly<Record<string, number>> = {
  'doc:update': 1,
  'awareness:update': 2,
  'doc:change': 3,
}
const EVENT_OF_TAG = ['', 'doc:update', 'awareness:update', 'doc:change'] as const
const ACK_OK_TAG = 4

/** The first byte of every compact frame is below this; every MessagePack map is at or above. */
const FIRST_MSGPACK_MAP = 0x80

export class MalformedFrameError extends Error {
  override name = 'MalformedFrameError'
}

const HEX = '0123456789abcdef'
const HEX_VALUE = new Int8Array(128).fill(-1)
for (let i = 0; i < 16; i++) HEX_VALUE[HEX.charCodeAt(i)] = i
/** Where the four hyphens of a canonical UUID sit. */
const isHyphenAt = (index: number): boolean =>
  index === 8 || index === 13 || index === 18 || index === 23

/** The 16 bytes of a canonical (lowercase, hyphenated) UUID, or null for any other string. */
const uuidBytes = (value: unknown): Uint8Array | null => {
  if (typeof value !== 'string' || value.length !== 36) return null
  const bytes = new Uint8Array(16)
  let byte = 0
  for (let i = 0; i < 36;) {
    if (isHyphenAt(i)) {
      if (value.charCodeAt(i) !== 45) return null
      i++
      continue
    }
    const high = HEX_VALUE[value.charCodeAt(i)] ?? -1
    const low = HEX_VALUE[value.charCodeAt(i + 1)] ?? -1
    if (high < 0 || low < 0) return null
    bytes[byte++] = (high << 4) | low
    i += 2
  }
  return bytes
}

const HEX_CODES = Array.from(HEX, (digit) => digit.charCodeAt(0))
/** The 36 character codes of a UUID being decoded; the hyphens stay where they are. */
const uuidScratch = Array.from('00000000-0000-0000-0000-000000000000', (c) => c.charCodeAt(0))

/**
 * The canonical UUID of 16 bytes, built as character codes and turned into one flat string at
 * once: concatenating pieces made some twenty intermediate strings for every message received.
 */
const uuidString = (frame: Uint8Array, at: number): string => {
  let out = 0
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) out++
    const value = frame[at + i] ?? 0
    uuidScratch[out++] = HEX_CODES[value >> 4]!
    uuidScratch[out++] = HEX_CODES[value & 15]!
  }
  return String.fromCharCode(...uuidScratch)
}

const asBytes = (value: unknown): Uint8Array | null => {
  if (value instanceof Uint8Array) return value
  if (value instanceof ArrayBuffer) return new Uint8Array(value)
  return null
}

const varUintLength = (value: number): number => {
  let length = 1
  while (value >= 0x80) {
    value = Math.floor(value / 0x80)
    length++
  }
  return length
}

const writeVarUint = (target: Uint8Array, at: number, value: number): number => {
  while (value >= 0x80) {
    target[at++] = (value % 0x80) | 0x80
    value = Math.floor(value / 0x80)
  }
  target[at++] = value
  return at
}

const isAckOk = (data: unknown): boolean => {
  if (!Array.isArray(data) || data.length !== 1) return false
  const result: unknown = data[0]
  if (typeof result !== 'object' || result === null) return false
  const keys = Object.keys(result)
  return keys.length === 1 && keys[0] === 'ok' && (result as { ok: unknown }).ok === true
}

const isAckId = (id: unknown): id is number =>
  typeof id === 'number' && Number.isSafeInteger(id) && id >= 0

/** The compact frame for `packet`, or null when it has to travel as MessagePack. */
export const encodeCompact = (packet: WirePacket): Uint8Array | null => {
  if (packet.nsp !== '/') return null
  if (packet.type === ACK) {
    if (!isAckId(packet.id) || !isAckOk(packet.data)) return null
    const frame = new Uint8Array(1 + varUintLength(packet.id))
    frame[0] = ACK_OK_TAG
    writeVarUint(frame, 1, packet.id)
    return frame
  }
  if (packet.type !== EVENT || !Array.isArray(packet.data)) return null
  const data = packet.data as unknown[]
  const tag = typeof data[0] === 'string' ? EVENT_TAGS[data[0]] : undefined
  if (tag === undefined || data.length !== (tag === 3 ? 4 : 3)) return null
  if (packet.id !== undefined && !isAckId(packet.id)) return null
  const docId = uuidBytes(data[1])
  const first = asBytes(data[2])
  const second = tag === 3 ? asBytes(data[3]) : null
  if (!docId || !first || (tag === 3 && !second)) return null
  const ack = packet.id === undefined ? 0 : packet.id + 1
  const lengthPrefix = tag === 3 ? varUintLength(first.byteLength) : 0
  const size =
    1 + varUintLength(ack) + 16 + lengthPrefix + first.byteLength + (second?.byteLength ?? 0)
  const frame = new Uint8Array(size)
  frame[0] = tag
  let at = writeVarUint(frame, 1, ack)
  frame.set(docId, at)
  at += 16
  if (tag === 3) at = writeVarUint(frame, at, first.byteLength)
  frame.set(first, at)
  if (second) frame.set(second, at + first.byteLength)
  return frame
}

/** Whether a received frame is compact (anything else is MessagePack). */
export const isCompactFrame = (frame: Uint8Array): boolean =>
  frame.byteLength > 0 && (frame[0] ?? FIRST_MSGPACK_MAP) < FIRST_MSGPACK_MAP

const readVarUint = (frame: Uint8Array, at: number): [value: number, next: number] => {
  let value = 0
  let scale = 1
  for (let i = at; i < frame.byteLength && i < at + 8; i++) {
    const byte = frame[i] ?? 0
    value += (byte & 0x7f) * scale
    if (byte < 0x80) return [value, i + 1]
    scale *= 0x80
  }
  throw new MalformedFrameError('truncated or oversized length in a compact frame')
}

/**
 * The packet a compact frame stands for. Payloads are views into `frame` (no copy). Throws
 * MalformedFrameError for a frame that is cut short or carries an unknown tag.
 */
export const decodeCompact = (frame: Uint8Array): WirePacket => {
  const tag = frame[0] ?? 0
  if (tag === ACK_OK_TAG) {
    const [id, end] = readVarUint(frame, 1)
    if (end !== frame.byteLength) throw new MalformedFrameError('trailing bytes after an ack')
    return { type: ACK, nsp: '/', id, data: [{ ok: true }] }
  }
  const event = EVENT_OF_TAG[tag]
  if (tag === 0 || event === undefined) {
    throw new MalformedFrameError(`unknown compact frame tag ${tag}`)
  }
  const [ack, idAt] = readVarUint(frame, 1)
  const payloadAt = idAt + 16
  if (payloadAt > frame.byteLength) throw new MalformedFrameError('compact frame cut short')
  const docId = uuidString(frame, idAt)
  const id = ack === 0 ? undefined : ack - 1
  let data: unknown[]
  if (tag === 3) {
    const [length, updateAt] = readVarUint(frame, payloadAt)
    if (updateAt + length > frame.byteLength) {
      throw new MalformedFrameError('compact frame cut short')
    }
    const update = frame.subarray(updateAt, updateAt + length)
    data = [event, docId, update, frame.subarray(updateAt + length)]
  } else {
    data = [event, docId, frame.subarray(payloadAt)]
  }
  return id === undefined ? { type: EVENT, nsp: '/', data } : { type: EVENT, nsp: '/', data, id }
}
