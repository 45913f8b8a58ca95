/**
 * y-socket.io's YSocketIO on a Socket.IO server (default parser, as it ships) in its own process,
 * storing into the shared update log through its persistence slot.
 */
import { createServer } from 'node:http'
import { Server } from 'socket.io'
import * as Y from 'yjs'
import { YSocketIO, type Persistence } from 'y-socket.io/dist/server'
import { openUpdateLog, serveHarness } from './child-runtime.ts'

const log = openUpdateLog()

const http = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'text/plain' })
  response.end('ok')
})
const io = new Server(http, { serveClient: false })
const ysocketio = new YSocketIO(io, { gcEnabled: true })

/** YSocketIO keeps its persistence private and only offers LevelDB: plug the shared log in. */
interface PersistenceSlot {
  persistence: Persistence | null
}
;(ysocketio as unknown as PersistenceSlot).persistence = {
  provider: null,
  bindState: (name, doc) => {
    const updates = log.load(name)
    Y.transact(doc, () => {
      for (const update of updates) Y.applyUpdate(doc, update)
    })
    doc.on('update', (update: Uint8Array) => log.append(name, update))
  },
  writeState: async () => undefined,
}
ysocketio.initialize()

http.listen(0, '127.0.0.1', () => {
  const address = http.address()
  const port = typeof address === 'object' && address ? address.port : 0
  serveHarness(
    port,
    log,
    {
      loadedDocs: () => ysocketio.documents.size,
      isLoaded: (name) => ysocketio.documents.has(name),
    },
    () => new Promise((resolve) => void io.close(() => resolve())),
  )
})
