/**
 * The IPC contract between the harness and a peer's server process: requests carry an id, each
 * gets exactly one reply. Messages go with Node's advanced serialization, so bytes stay Uint8Array.
 */
export type ServerRequest =
  | { readonly id: number; readonly kind: 'heap' }
  /** With a name: 1 when that document is in memory, else 0. Without: how many are. */
  | { readonly id: number; readonly kind: 'loaded-docs'; readonly name?: string }
  | {
      readonly id: number
      readonly kind: 'seed'
      readonly name: string
      readonly update: Uint8Array
    }
  | { readonly id: number; readonly kind: 'stored-bytes'; readonly name: string }

export type ServerReply =
  | { readonly id: number; readonly ok: true; readonly value: number }
  | { readonly id: number; readonly ok: false; readonly error: string }

/** Sent once, unprompted, when the server listens. */
export interface ServerReady {
  readonly kind: 'ready'
  readonly port: number
}

export type ServerMessage = ServerReply | ServerReady

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null

export const isServerRequest = (value: unknown): value is ServerRequest =>
  isObject(value) &&
  typeof value.id === 'number' &&
  (value.kind === 'heap' ||
    (value.kind === 'loaded-docs' &&
      (value.name === undefined || typeof value.name === 'string')) ||
    (value.kind === 'seed' &&
      typeof value.name === 'string' &&
      value.update instanceof Uint8Array) ||
    (value.kind === 'stored-bytes' && typeof value.name === 'string'))

export const isServerMessage = (value: unknown): value is ServerMessage =>
  isObject(value) &&
  ((value.kind === 'ready' && typeof value.port === 'number') ||
    (typeof value.id === 'number' && typeof value.ok === 'boolean'))
