/**
 * The one place where binary payloads are normalised. Socket.IO hands a Node server a `Buffer`
 * (a Uint8Array subclass) and a browser an `ArrayBuffer`; everything past this point sees a plain
 * `Uint8Array` or a clear refusal.
 */
export const toUint8Array = (value: unknown): Uint8Array | null => {
  if (value instanceof Uint8Array) return value
  if (value instanceof ArrayBuffer) return new Uint8Array(value)
  if (ArrayBuffer.isView(value))
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
  return null
}

/** Whether `bytes` spans its whole buffer: passing it on keeps nothing else alive. */
export const spansWholeBuffer = (bytes: Uint8Array): boolean =>
  bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
