import { peerAdapter } from './peer-adapter.ts'

export const ySocketIoServer = peerAdapter('y-socket.io', 'bench/servers/y-socket-io-server.ts')
