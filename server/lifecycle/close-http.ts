import type { Server } from 'node:http'

/**
 * How long HTTP requests still in progress get to finish at shutdown, once every update is
 * stored. Past it their connections are cut: a client that never finishes its request (a stalled
 * upload, a slowloris) would otherwise hold the process until the 10 s shutdown deadline and make
 * a clean stop exit 1.
 */
export const HTTP_CLOSE_GRACE_MS = 2000

/**
 * Runs `closing`, the steps that wait for `server` to close (Socket.IO's close waits for the HTTP
 * server too, not only Fastify's), and cuts the connections still open after the grace.
 */
export const closeHttpWithin = async (
  server: Server,
  closing: () => Promise<void>,
): Promise<void> => {
  const cut = setTimeout(() => server.closeAllConnections(), HTTP_CLOSE_GRACE_MS)
  try {
    await closing()
  } finally {
    clearTimeout(cut)
  }
}
