import { peerAdapter } from './peer-adapter.ts'

export const yWebsocketServer = peerAdapter('y-websocket', 'bench/servers/y-websocket-server.ts')
