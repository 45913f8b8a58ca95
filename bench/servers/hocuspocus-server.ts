/**
 * Hocuspocus 4 in its own process, storing into the shared update log: every change appended as
 * it happens (onChange), the log applied when a document loads.
 */
import { Server } from '@hocuspocus/server'
import * as Y from 'yjs'
import { openUpdateLog, serveHarness } from './child-runtime.ts'

const log = openUpdateLog()
// Updates applied from the log must not be appended again.
const FROM_LOG = { source: 'local', skipStoreHooks: true } as const

const server = new Server({
  address: '127.0.0.1',
  port: 0,
  quiet: true,
  stopOnSignals: false,
  // The default (100) closes a connection that opens more documents at once; T8 opens 500 over
  // one multiplexed socket, as the Hocuspocus figure did.
  maxPendingDocuments: 1000,
  extensions: [
    {
      async onLoadDocument({ documentName, document }) {
        const updates = log.load(documentName)
        Y.transact(
          document,
          () => {
            for (const update of updates) Y.applyUpdate(document, update)
          },
          FROM_LOG,
        )
      },
      async onChange({ documentName, update, transactionOrigin }) {
        if (transactionOrigin === FROM_LOG) return
        log.append(documentName, update)
      },
    },
  ],
})

await server.listen()
serveHarness(
  server.address.port,
  log,
  {
    loadedDocs: () => server.hocuspocus.getDocumentsCount(),
    isLoaded: (name) => server.hocuspocus.documents.has(name),
  },
  () => server.destroy(),
)
