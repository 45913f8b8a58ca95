/**
 * @hocuspocus/provider: one HocuspocusProviderWebsocket per connection; with `multiplex`, every
 * document of the connection attaches to that one socket.
 */
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider'
import { WebSocket } from 'ws'
import * as Y from 'yjs'
import type { ServerHandle } from '../servers/types.ts'
import {
  whenEvent,
  type ClientAdapter,
  type ClientConnection,
  type ConnectOptions,
} from './types.ts'

export const hocuspocusClient: ClientAdapter = {
  name: 'hocuspocus',
  connect(server: ServerHandle, options?: ConnectOptions): ClientConnection {
    const url = server.url.replace(/^http/, 'ws')
    const newSocket = (): HocuspocusProviderWebsocket =>
      new HocuspocusProviderWebsocket({ url, WebSocketPolyfill: WebSocket })
    const shared = options?.multiplex ? newSocket() : undefined
    const owned: HocuspocusProviderWebsocket[] = []
    return {
      open(name) {
        const socket = shared ?? newSocket()
        if (!shared) owned.push(socket)
        const doc = new Y.Doc()
        const provider = new HocuspocusProvider({ websocketProvider: socket, name, document: doc })
        provider.attach()
        const awareness = provider.awareness
        if (!awareness) throw new Error('the Hocuspocus provider was created without awareness')
        return {
          doc,
          awareness,
          whenSynced: () =>
            whenEvent(
              () => provider.isSynced,
              (listener) => provider.on('synced', listener),
              (listener) => provider.off('synced', listener),
            ),
          destroy() {
            provider.destroy()
            if (!shared) socket.destroy()
          },
        }
      },
      close() {
        shared?.destroy()
        for (const socket of owned) socket.destroy()
      },
    }
  },
}
