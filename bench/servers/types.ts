/** What a scenario sees of a server under test, whatever its implementation. */
import type { User } from '../../shared/api.ts'

export const SERVER_NAMES = ['loresync', 'hocuspocus', 'y-websocket', 'y-socket.io'] as const
export type ServerName = (typeof SERVER_NAMES)[number]

export const isServerName = (value: string): value is ServerName =>
  (SERVER_NAMES as readonly string[]).includes(value)

/** The server under test; the others are the peers it is compared with. */
export const OURS: ServerName = 'loresync'

export interface ServerStartOptions {
  /** The server's data folder; reusing one across a restart reopens the same documents. */
  readonly dataDir: string
  readonly synchronous: 'full' | 'normal'
  /**
   * Bench document name → server document id, for servers that issue ids. Shared across restarts
   * on the same dataDir so the names keep pointing at the same documents.
   */
  readonly directory: Map<string, string>
  /** Extra node flags for the server process (e.g. --cpu-prof). */
  readonly nodeFlags?: readonly string[]
}

export interface SeedEntry {
  readonly name: string
  /** A Yjs V1 update holding the document's whole content. */
  readonly update: Uint8Array
}

export interface ServerHandle {
  readonly name: ServerName
  readonly pid: number
  /** http://127.0.0.1:port */
  readonly url: string
  /** The access token clients present, for servers that require signing in (after `prepare`). */
  readonly token?: string | null
  /** The account that token signs in as, as the server describes it (with the token). */
  readonly account?: User | null
  /** The id the server knows a bench document by (after `prepare`). */
  docId(name: string): string
  /** Creates the documents where the server issues ids; a no-op for servers that do not. */
  prepare(names: readonly string[]): Promise<void>
  /** Stores content as the documents' durable state and leaves them unloaded from memory. */
  seed(entries: readonly SeedEntry[]): Promise<void>
  /** V8 heapUsed after two forced full GCs, in bytes. */
  heapAfterGc(): Promise<number>
  /** Documents held in memory, or null when the server does not say. */
  loadedDocs(): Promise<number | null>
  /** Bytes stored for one document (log rows plus snapshot). */
  storedBytes(name: string): Promise<number>
  /** Waits until a document is out of memory and its stored form settled (after its last client left). */
  whenUnloaded(name: string, timeoutMs: number): Promise<void>
  stop(): Promise<void>
}

export interface ServerAdapter {
  readonly name: ServerName
  start(options: ServerStartOptions): Promise<ServerHandle>
}
