/** y-websocket's WebsocketProvider: one WebSocket per document, whatever the connection. */
import { WebSocket } from 'ws'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import type { ServerHandle } from '../servers/types.ts'
import { whenEvent, type ClientAdapter, type ClientConnection } from './types.ts'

/** ws implements the browser WebSocket API the provider needs; only the declared types differ. */
const WebSocketPolyfill = WebSocket as unknown as typeof globalThis.WebSocket

export const yWebsocketClient: ClientAdapter = {
  name: 'y-websocket',
  connect(server: ServerHandle): ClientConnection {
    const url = server.url.replace(/^http/, 'ws')
    const providers = new Set<WebsocketProvider>()
    return {
      open(name) {
        const doc = new Y.Doc()
        const provider = new WebsocketProvider(url, name, doc, {
          WebSocketPolyfill,
          disableBc: true,
        })
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
