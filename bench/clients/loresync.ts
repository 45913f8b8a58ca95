/** Our own framework-free provider: one Socket.IO connection carrying any number of elements. */
import { CollabClient } from '../../client/collab/index.ts'
import type { User } from '../../shared/api.ts'
import type { ServerHandle } from '../servers/types.ts'
import type { AckingDoc, ClientAdapter, ClientConnection } from './types.ts'

export interface LoresyncConnection extends ClientConnection {
  open(name: string): AckingDoc
}

/** All this adapter reads of a server: T7's typist process has only these, not a ServerHandle. */
export type LoresyncTarget = Pick<ServerHandle, 'url' | 'token' | 'account' | 'docId'>

/**
 * The caret label the app announces for a signed-in account (client/stores/identity.ts `person`):
 * exactly the identity the server stamps on awareness states, fields in its order.
 */
const announcedUser = (account: User): Readonly<Record<string, string>> => ({
  id: account.id,
  name: account.username,
  color: account.color,
})

const connect = (server: LoresyncTarget): LoresyncConnection => {
  // forceNew: every simulated user gets its own connection, never socket.io-client's shared one.
  const token = server.token ?? null
  const user = server.account ? announcedUser(server.account) : undefined
  const client = new CollabClient({
    url: server.url,
    options: { forceNew: true, ...(token === null ? {} : { auth: { token } }) },
  })
  return {
    open(name) {
      const session = client.open(server.docId(name))
      return {
        doc: session.doc,
        awareness: session.awareness,
        ...(user ? { user } : {}),
        whenSynced: () => session.whenSynced(),
        unacked: () => session.unsyncedChanges,
        onAckChange(listener) {
          session.on('state', listener)
          return () => session.off('state', listener)
        },
        destroy: () => session.destroy(),
      }
    },
    close: () => client.destroy(),
  }
}

export const loresyncClient: ClientAdapter & { connect: typeof connect } = {
  name: 'loresync',
  connect,
}
