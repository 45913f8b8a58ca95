/** What a scenario sees of a client provider, whatever the library. */
import * as Y from 'yjs'
import type { Awareness } from 'y-protocols/awareness'
import type { ServerHandle, ServerName } from '../servers/types.ts'

export interface OpenedDoc {
  readonly doc: Y.Doc
  readonly awareness: Awareness
  /**
   * The awareness `user` this provider's app announces, when the app announces the session's
   * identity rather than whatever the workload makes up (Loresync's: the server stamps that
   * identity on every caret, and relays one that already carries it as it came).
   */
  readonly user?: Readonly<Record<string, string>>
  /** Resolves once the first sync with the server completed. */
  whenSynced(): Promise<void>
  destroy(): void
}

/** Adds what only an acknowledging provider can tell: updates sent and not yet acknowledged. */
export interface AckingDoc extends OpenedDoc {
  unacked(): number
  /** Calls `listener` whenever the unacknowledged count may have changed; returns the disposer. */
  onAckChange(listener: () => void): () => void
}

export const isAcking = (doc: OpenedDoc): doc is AckingDoc =>
  'unacked' in doc && 'onAckChange' in doc

export interface ConnectOptions {
  /**
   * Open many documents over this one connection (one simulated user with many elements). Without
   * it a connection carries one document, as a user with one element open in a browser tab would.
   */
  readonly multiplex: boolean
}

/** One simulated user's transport: opens documents over it where the library can. */
export interface ClientConnection {
  open(name: string): OpenedDoc
  close(): void
}

export interface ClientAdapter {
  readonly name: ServerName
  connect(server: ServerHandle, options?: ConnectOptions): ClientConnection
}

/** Resolves on the first emission of an `on`/`off` style event, or at once when `ready()`. */
export const whenEvent = (
  ready: () => boolean,
  on: (listener: () => void) => void,
  off: (listener: () => void) => void,
): Promise<void> => {
  if (ready()) return Promise.resolve()
  return new Promise((resolve) => {
    const listener = (): void => {
      if (!ready()) return
      off(listener)
      resolve()
    }
    on(listener)
  })
}

/** What y-websocket's and y-socket.io's providers have in common: a `sync` event and a flag. */
export interface SyncingProvider {
  readonly awareness: Awareness
  readonly synced: boolean
  on(event: 'sync', listener: () => void): unknown
  off(event: 'sync', listener: () => void): unknown
  destroy(): void
}

/** A connection of one provider per document, all destroyed on close. */
export const providerPerDocument = (
  create: (name: string, doc: Y.Doc) => SyncingProvider,
): ClientConnection => {
  const providers = new Set<SyncingProvider>()
  return {
    open(name) {
      const doc = new Y.Doc()
      const provider = create(name, doc)
      providers.add(provider)
      return {
        doc,
        awareness: provider.awareness,
        whenSynced: () =>
          whenEvent(
            () => provider.synced,
            (listener) => provider.on('sync', listener),
            (listener) => provider.off('sync', listener),
          ),
        destroy() {
          providers.delete(provider)
          provider.destroy()
        },
      }
    },
    close() {
      for (const provider of providers) provider.destroy()
      providers.clear()
    },
  }
}
