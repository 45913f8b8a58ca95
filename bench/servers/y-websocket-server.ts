/**
 * The y-websocket reference server (@y/websocket-server utils) on a bare `ws` server in its own
 * process, storing into the shared update log through its persistence hook.
 */
import { createServer } from 'node:http'
import { WebSocketServer } from 'ws'
import * as Y from 'yjs'
import { docs, setPersistence, setupWSConnection } from '@y/websocket-server/utils'
import { openUpdateLog, serveHarness } from './child-runtime.ts'

const log = openUpdateLog()

setPersistence({
  provider: null,
  // better-sqlite3 is synchronous: the document is whole before the first sync step is answered.
  bindState: (name, doc) => {
    const updates = log.load(name)
    Y.transact(doc, () => {
      for (const update of updates) Y.applyUpdate(doc, update)
    })
    doc.on('update', (update: Uint8Array) => log.append(name, update))
  },
  writeState: async () => undefined,
})

const http = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'text/plain' })
  response.end('ok')
})
const wss = new WebSocketServer({ noServer: true })
http.on('upgrade', (request, socket, head) => {
  wss.handleUpgrade(request, socket, head, (ws) => setupWSConnection(ws, request))
})
http.listen(0, '127.0.0.1', () => {
  const address = http.address()
  const port = typeof address === 'object' && address ? address.port : 0
  serveHarness(
    port,
    log,
    { loadedDocs: () => docs.size, isLoaded: (name) => docs.has(name) },
    () =>
      new Promise((resolve) => {
        for (const client of wss.clients) client.terminate()
        http.close(() => resolve())
      }),
  )
})
