import { peerAdapter } from './peer-adapter.ts'

export const hocuspocusServer = peerAdapter('hocuspocus', 'bench/servers/hocuspocus-server.ts')
