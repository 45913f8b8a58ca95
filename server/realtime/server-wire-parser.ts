/**
 * The server's side of the wire parser (shared/wire-parser.ts): Node's encoder writes a `Buffer`
 * as exactly its bytes, so every binary argument goes out as a `Buffer`.
 */
import { createWireParser } from '../../shared/wire-parser.ts'

export const serverWireParser = createWireParser((bytes) =>
  Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
)
