/**
 * y-socket.io's SocketIOProvider: a Socket.IO namespace per document. With `multiplex` the
 * namespaces share socket.io-client's cached manager (one WebSocket); without, each provider gets
 * its own connection (`forceNew`).
 */
import { SocketIOProvider } from 'y-socket.io'
import * as Y from 'yjs'
import type { ServerHandle } from '../servers/types.ts'
import {
  whenEvent,
  type ClientAdapter,
  type ClientConnection,
  type ConnectOptions,
} from './types.ts'

export const ySocketIoClient: ClientAdapter = {
  name: 'y-socket.io',
  connect(server: ServerHandle, options?: ConnectOptions): ClientConnection {
    const providers = new Set<SocketIOProvider>()
    return {
      open(name) {
        const doc = new Y.Doc()
        const provider = new SocketIOProvider(
          server.url,
          name,
          doc,
          { autoConnect: true, disableBc: true },
          { forceNew: !options?.multiplex, transports: ['websocket'] },
        )
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
  },
}
