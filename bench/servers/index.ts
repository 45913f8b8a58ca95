import { hocuspocusServer } from './hocuspocus.ts'
import { loresyncServer } from './loresync.ts'
import type { ServerAdapter, ServerName } from './types.ts'
import { ySocketIoServer } from './y-socket-io.ts'
import { yWebsocketServer } from './y-websocket.ts'

export const serverAdapters: Readonly<Record<ServerName, ServerAdapter>> = {
  loresync: loresyncServer,
  hocuspocus: hocuspocusServer,
  'y-websocket': yWebsocketServer,
  'y-socket.io': ySocketIoServer,
}
