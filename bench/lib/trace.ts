/**
 * The automerge-paper editing trace (josephg/editing-traces format), read at bench time from
 * ../shared/traces/ next to the repository or from BENCH_TRACE. Nothing of it is copied into the repo.
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { gunzipSync } from 'node:zlib'
import * as Y from 'yjs'
import { BENCH_TEXT } from './documents.ts'

/** One patch: at `pos`, delete `del` characters, then insert `ins`. */
export type Patch = readonly [pos: number, del: number, ins: string]

export interface Trace {
  readonly file: string
  readonly endContent: string
  readonly patches: readonly Patch[]
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

export const traceFile = (): string =>
  process.env.BENCH_TRACE ?? path.resolve(repoRoot, '../shared/traces/automerge-paper.json.gz')

const isPatch = (value: unknown): value is Patch =>
  Array.isArray(value) &&
  value.length === 3 &&
  typeof value[0] === 'number' &&
  typeof value[1] === 'number' &&
  typeof value[2] === 'string'

let cached: Trace | undefined

export const loadTrace = (): Trace => {
  if (cached) return cached
  const file = traceFile()
  if (!existsSync(file)) {
    throw new Error(
      `trace not found at ${file}: set BENCH_TRACE to the automerge-paper.json.gz path`,
    )
  }
  const raw = readFileSync(file)
  const text = file.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8')
  const parsed: unknown = JSON.parse(text)
  if (typeof parsed !== 'object' || parsed === null) throw new Error(`${file} is not a trace`)
  const { endContent, txns } = parsed as { endContent?: unknown; txns?: unknown }
  if (typeof endContent !== 'string' || !Array.isArray(txns)) {
    throw new Error(`${file} lacks endContent or txns (josephg/editing-traces format expected)`)
  }
  const patches: Patch[] = []
  for (const txn of txns as unknown[]) {
    const list = (txn as { patches?: unknown }).patches
    if (!Array.isArray(list)) throw new Error(`${file}: a txn has no patches`)
    for (const patch of list as unknown[]) {
      if (!isPatch(patch)) throw new Error(`${file}: malformed patch ${JSON.stringify(patch)}`)
      patches.push(patch)
    }
  }
  cached = { file, endContent, patches }
  return cached
}

/** Applies one patch to a Y.Text (inside the caller's transaction, if any). */
export const applyPatch = (text: Y.Text, [pos, del, ins]: Patch): void => {
  if (del > 0) text.delete(pos, del)
  if (ins.length > 0) text.insert(pos, ins)
}

export interface FinalDocument {
  /** `Y.encodeStateAsUpdate` (V1) of the doc after the whole trace. */
  readonly update: Uint8Array
  readonly length: number
}

let finalDoc: FinalDocument | undefined

/** Builds the trace's final document locally, one transaction per patch, as a typist would. */
export const buildFinalDocument = (): FinalDocument => {
  if (finalDoc) return finalDoc
  const trace = loadTrace()
  const doc = new Y.Doc()
  const text = doc.getText(BENCH_TEXT)
  for (const patch of trace.patches) doc.transact(() => applyPatch(text, patch))
  if (text.toString() !== trace.endContent) {
    throw new Error('replaying the trace did not produce its endContent: the trace file is damaged')
  }
  finalDoc = { update: Y.encodeStateAsUpdate(doc), length: text.length }
  doc.destroy()
  return finalDoc
}
