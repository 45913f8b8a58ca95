import type { LoresyncSocket } from '../realtime/types.ts'

/** How long a client gets to answer the WebSocket close before shutdown moves on without it. */
const CLOSE_GRACE_MS = 2000

/**
 * Closes the connection once its write buffer has drained (so its last acknowledgements reach the
 * client); resolves when it is closed, or after CLOSE_GRACE_MS for a client that does not answer.
 */
export const closeGently = (socket: LoresyncSocket): Promise<void> =>
  new Promise((resolve) => {
    if (socket.disconnected) return resolve()
    const timer = setTimeout(resolve, CLOSE_GRACE_MS)
    socket.once('disconnect', () => {
      clearTimeout(timer)
      resolve()
    })
    socket.conn.close()
  })
