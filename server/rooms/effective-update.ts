/**
 * Applying an update to a room's doc and learning what it changed: the bytes to persist and relay
 * (`effective`) and what the doc changed on its own on top of it (`echo`: Yjs deletes redundant
 * formatting marks in a cleanup transaction after a remote change).
 *
 * The plain way is to listen to the doc's 'update' event. But while anything listens to it, Yjs
 * encodes every transaction's update when the transaction ends, and for a keystroke that encoding
 * cost as much as integrating it (4.8 µs to apply, 8–10 µs with a listener, measured over 60,000
 * one-character updates). When the update brings only structs the doc lacks (`bringsOnlyNew`),
 * the encoding would say what the update already says, so nothing listens: the transaction's
 * bytes are the update's own. Any further transaction while it applies (the formatting cleanup)
 * is still captured: its 'afterTransaction' comes before its 'update' event, and that is when the
 * listener is added.
 */
import * as Y from 'yjs'
import { spansWholeBuffer } from '../../shared/binary.ts'

export interface UpdateEffect {
  /** What the doc now has that it did not; null when the update changed nothing. */
  readonly effective: Uint8Array | null
  /** What the doc changed in transactions of origins other than `origin`; null when nothing. */
  readonly echo: Uint8Array | null
}

/**
 * `bytes` in a buffer of their own. The wire decoder hands over a view into the frame, itself a
 * view into what one socket read brought; as `effective` the bytes are held until they are
 * committed (longer while a failing store is retried), and a view would keep that whole read alive.
 */
const ownBuffer = (bytes: Uint8Array): Uint8Array =>
  spansWholeBuffer(bytes) ? bytes : bytes.slice()

/**
 * Applies `update` under `origin`. `onlyNew`: the caller checked that the update adds exactly its
 * own structs, so its bytes stand for the transaction's. Throws what `Y.applyUpdate` throws.
 */
export const applyWithEffect = (
  doc: Y.Doc,
  update: Uint8Array,
  origin: unknown,
  onlyNew: boolean,
): UpdateEffect => {
  let effective: Uint8Array | null = onlyNew ? ownBuffer(update) : null
  let echo: Uint8Array | null = null
  const capture = (bytes: Uint8Array, transactionOrigin: unknown): void => {
    effective = effective ? Y.mergeUpdates([effective, bytes]) : bytes
    if (transactionOrigin !== origin) echo = echo ? Y.mergeUpdates([echo, bytes]) : bytes
  }
  let capturing = false
  const startCapture = (): void => {
    if (capturing) return
    capturing = true
    doc.on('update', capture)
  }
  // The update's own transaction is the first to end; every later one is captured.
  let ownEnded = false
  const watch = (transaction: Y.Transaction): void => {
    if (!ownEnded && transaction.origin === origin) ownEnded = true
    else startCapture()
  }
  if (onlyNew) doc.on('afterTransaction', watch)
  else startCapture()
  try {
    Y.applyUpdate(doc, update, origin)
  } finally {
    if (capturing) doc.off('update', capture)
    if (onlyNew) doc.off('afterTransaction', watch)
  }
  return { effective, echo }
}
