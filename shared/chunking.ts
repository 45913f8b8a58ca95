/**
 * Splitting an update into `doc:update-chunk` pieces. The server side reassembles; see
 * server/realtime/chunk-assembler.ts.
 */
import { CHUNK_BYTES } from './limits.ts'

export const splitIntoChunks = (update: Uint8Array, chunkBytes = CHUNK_BYTES): Uint8Array[] => {
  const pieces: Uint8Array[] = []
  for (let offset = 0; offset < update.byteLength; offset += chunkBytes) {
    pieces.push(update.subarray(offset, Math.min(offset + chunkBytes, update.byteLength)))
  }
  return pieces
}
