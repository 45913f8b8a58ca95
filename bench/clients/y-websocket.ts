/** y-websocket's WebsocketProvider: one WebSocket per document, whatever the connection. */
import { WebSocket } from 'ws'
import { WebsocketProvider } from 'y-websocket'
import type { ServerHandle } from '../servers/types.ts'
import { providerPerDocument, type ClientAdapter, type ClientConnection } from './types.ts'

/** ws implements the browser WebSocket API the provider needs; only the declared types differ. */
const WebSocketPolyfill = WebSocket as unknown as typeof globalThis.WebSocket

export const yWebsocketClient: ClientAdapter = {
  name: 'y-websocket',
  connect(server: ServerHandle): ClientConnection {
    const url = server.url.replace(/^http/, 'ws')
    return providerPerDocument(
      (name, doc) => new WebsocketProvider(url, name, doc, { WebSocketPolyfill, disableBc: true }),
    )
  },
}
