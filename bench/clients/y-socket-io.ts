/**
 * y-socket.io's SocketIOProvider: a Socket.IO namespace per document. With `multiplex` the
 * namespaces share socket.io-client's cached manager (one WebSocket); without, each provider gets
 * its own connection (`forceNew`).
 */
import { SocketIOProvider } from 'y-socket.io'
import type { ServerHandle } from '../servers/types.ts'
import {
  providerPerDocument,
  type ClientAdapter,
  type ClientConnection,
  type ConnectOptions,
} from './types.ts'

export const ySocketIoClient: ClientAdapter = {
  name: 'y-socket.io',
  connect(server: ServerHandle, options?: ConnectOptions): ClientConnection {
    return providerPerDocument(
      (name, doc) =>
        new SocketIOProvider(
          server.url,
          name,
          doc,
          { autoConnect: true, disableBc: true },
          { forceNew: !options?.multiplex, transports: ['websocket'] },
        ),
    )
  },
}
