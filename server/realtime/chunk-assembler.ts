/**
 * Reassembles updates that arrive as `doc:update-chunk` pieces (one socket's transfers).
 * Bounded three ways: bytes per transfer, transfers open at once, and time to finish; a transfer
 * that breaks a bound is dropped whole, so a half-sent update never reaches a room.
 */
import { toUint8Array } from '../../shared/binary.ts'
import {
  CHUNK_BYTES,
  CHUNK_TRANSFER_TIMEOUT_MS,
  MAX_REASSEMBLED_UPDATE_BYTES,
} from '../../shared/limits.ts'
import { fail } from './replies.ts'
import { isRecord, type Checked } from './validate.ts'

const MAX_OPEN_TRANSFERS = 4
const MAX_TRANSFER_ID_LENGTH = 64

interface Transfer {
  readonly docId: string
  readonly total: number
  readonly pieces: Uint8Array[]
  bytes: number
  readonly timer: ReturnType<typeof setTimeout>
}

export class ChunkAssembler {
  private readonly transfers = new Map<string, Transfer>()

  constructor(
    private readonly maxBytes = MAX_REASSEMBLED_UPDATE_BYTES,
    private readonly timeoutMs = CHUNK_TRANSFER_TIMEOUT_MS,
  ) {}

  get openTransfers(): number {
    return this.transfers.size
  }

  /** Takes one piece; resolves to the whole update when it was the last one, else null. */
  accept(docId: string, chunk: unknown): Checked<Uint8Array | null> {
    if (!isRecord(chunk)) return fail('invalid-request', 'a chunk must be an object')
    const { transferId, index, total } = chunk
    const data = toUint8Array(chunk.data)
    if (
      typeof transferId !== 'string' ||
      transferId.length === 0 ||
      transferId.length > MAX_TRANSFER_ID_LENGTH
    ) {
      return fail('invalid-request', 'chunk.transferId must be a string of 1–64 characters')
    }
    if (!Number.isSafeInteger(total) || (total as number) < 1) {
      return fail('invalid-request', 'chunk.total must be a positive integer')
    }
    if (
      !Number.isSafeInteger(index) ||
      (index as number) < 0 ||
      (index as number) >= (total as number)
    ) {
      return fail('invalid-request', 'chunk.index must be an integer from 0 to total-1')
    }
    if (!data || data.byteLength === 0 || data.byteLength > CHUNK_BYTES) {
      return fail('invalid-request', `chunk.data must be 1–${CHUNK_BYTES} bytes of binary`)
    }
    if ((total as number) * CHUNK_BYTES > this.maxBytes * 2) {
      return fail('too-large', `updates are limited to ${this.maxBytes} bytes`)
    }
    let transfer = this.transfers.get(transferId)
    if (!transfer) {
      if (index !== 0) return fail('invalid-request', 'a transfer must start with chunk 0')
      if (this.transfers.size >= MAX_OPEN_TRANSFERS) {
        return fail('rate-limited', `at most ${MAX_OPEN_TRANSFERS} chunked transfers may be open`)
      }
      transfer = {
        docId,
        total: total as number,
        pieces: [],
        bytes: 0,
        timer: setTimeout(() => this.drop(transferId), this.timeoutMs),
      }
      this.transfers.set(transferId, transfer)
    }
    if (transfer.docId !== docId || transfer.total !== total || transfer.pieces.length !== index) {
      this.drop(transferId)
      return fail('invalid-request', 'chunks must arrive in order for one document')
    }
    transfer.bytes += data.byteLength
    if (transfer.bytes > this.maxBytes) {
      this.drop(transferId)
      return fail('too-large', `updates are limited to ${this.maxBytes} bytes`)
    }
    // Copy: the socket layer may reuse the buffer behind a received piece.
    transfer.pieces.push(data.slice())
    if (transfer.pieces.length < transfer.total) return { ok: true, value: null }
    this.drop(transferId)
    const whole = new Uint8Array(transfer.bytes)
    let offset = 0
    for (const piece of transfer.pieces) {
      whole.set(piece, offset)
      offset += piece.byteLength
    }
    return { ok: true, value: whole }
  }

  /** Forgets every transfer for a document (the socket left it) or all of them. */
  dropAll(docId?: string): void {
    for (const [id, transfer] of this.transfers) {
      if (docId === undefined || transfer.docId === docId) this.drop(id)
    }
  }

  private drop(transferId: string): void {
    const transfer = this.transfers.get(transferId)
    if (!transfer) return
    clearTimeout(transfer.timer)
    this.transfers.delete(transferId)
  }
}
