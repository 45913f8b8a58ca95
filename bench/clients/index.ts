import type { ServerName } from '../servers/types.ts'
import { hocuspocusClient } from './hocuspocus.ts'
import { loresyncClient } from './loresync.ts'
import type { ClientAdapter } from './types.ts'
import { ySocketIoClient } from './y-socket-io.ts'
import { yWebsocketClient } from './y-websocket.ts'

export const clientAdapters: Readonly<Record<ServerName, ClientAdapter>> = {
  loresync: loresyncClient,
  hocuspocus: hocuspocusClient,
  'y-websocket': yWebsocketClient,
  'y-socket.io': ySocketIoClient,
}
