/**
 * What a socket's update and caret become for the others in the element's room. One node: the
 * room fan-out (room-fanout.ts), an update and the caret that came with it as one `doc:change`
 * (one frame per recipient instead of two). Several nodes: updates reach other nodes' clients only
 * after commit (cluster/peer-sync.ts) while awareness goes through the adapter at once, so they
 * stay two events.
 */
import { docRoom } from '../../shared/protocol.ts'
import type { RealtimeContext } from './context.ts'
import type { LoresyncSocket } from './types.ts'

export const relayToOthers = (
  { multiNode, fanout }: RealtimeContext,
  socket: LoresyncSocket,
  docId: string,
  update: Uint8Array | null,
  awareness: Uint8Array | null,
): void => {
  const room = docRoom(docId)
  if (!multiNode) {
    if (update && awareness) {
      fanout.emitToOthers(socket, room, 'doc:change', docId, update, awareness)
    } else if (update) fanout.emitToOthers(socket, room, 'doc:update', docId, update)
    else if (awareness) fanout.emitToOthers(socket, room, 'awareness:update', docId, awareness)
    return
  }
  // This node's clients only. With several nodes, the others send it to theirs once it is
  // committed and their rooms hold it (cluster/peer-sync.ts): a client never sees an edit its
  // own node lacks, so its next update never builds on something its node would refuse.
  if (update) socket.to(room).local.emit('doc:update', docId, update)
  if (awareness) socket.to(room).emit('awareness:update', docId, awareness)
}
