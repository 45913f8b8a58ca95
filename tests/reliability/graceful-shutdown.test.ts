/**
 * Graceful shutdown of the real server process: SIGTERM (twice) while updates stream in. New
 * connections are refused, clients are told the server is restarting, every update the server
 * acknowledged is in the file, the process exits 0 within 10 s after closing only once, and the
 * clients reconnect to the restarted server and save everything they wrote.
 */
import { connect, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createElement, createWorld } from '../helpers/api-client.ts'
import { onEvent, until } from '../helpers/events.ts'
import { makeTempDir } from '../helpers/temp-dir.ts'
import { HTTP_CLOSE_GRACE_MS } from '../../server/lifecycle/close-http.ts'
import { databaseFile } from '../../server/lifecycle/data-dir.ts'
import {
  killHard,
  signInOwner,
  startChildServer,
  type RunningServer,
} from './support/child-server.ts'
import { readDocument } from './support/database.ts'
import { freePort } from './support/ports.ts'
import { RawClient } from './support/raw-client.ts'
import { CLEAN_AUDIT, TokenWriter, auditTokens, readTokens } from './support/tokens.ts'

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

const tcpRefused = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(false)
    })
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'))
  })

const openUnfinishedRequest = (port: number): Promise<Socket> =>
  new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('error', reject)
    socket.once('connect', () => {
      socket.off('error', reject)
      // Errors after the hold is released (the server going away) are expected.
      socket.on('error', () => {})
      socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n', () => resolve(socket))
    })
  })

const nextTurn = () => new Promise((resolve) => setImmediate(resolve))

describe('graceful shutdown', () => {
  it('SIGTERM ×2 under streaming updates: refuses, notifies, stores every ack, exits 0 < 10 s', async () => {
    const dir = await makeTempDir('loresync-term-')
    cleanup.push(() => dir.remove())
    const port = await freePort()
    let server: RunningServer = await startChildServer({ port, dataDir: dir.path })
    cleanup.push(() => killHard(server))
    const owner = await signInOwner(server.url)
    const world = await createWorld(owner)
    const element = await createElement(owner, world.id)

    const raw = new RawClient('raw', server.url, element.id, owner.token)
    cleanup.push(() => raw.close())
    await raw.join()
    const writers = [0, 1].map((n) => new TokenWriter(`w${n}`, server.url, element.id, owner.token))
    cleanup.push(() => writers.forEach((writer) => writer.destroy()))
    await Promise.all(writers.map((writer) => writer.session.whenSynced()))
    const notices: string[] = []
    for (const writer of writers)
      writer.client.on('notice', (notice) => notices.push(notice.reason))

    // Stream: every turn of the event loop, each client writes one more token.
    let streaming = true
    const stream = (async () => {
      while (streaming) {
        if (raw.socket.connected) raw.send()
        for (const writer of writers) writer.insert(1)
        await nextTurn()
      }
    })()
    await until(
      'some acknowledgements',
      () => raw.acked.size >= 50,
      (check) => {
        raw.onAck = check
        return () => (raw.onAck = () => {})
      },
    )

    // Holds the drain open until the second signal has been handled: an HTTP request whose
    // headers never end keeps the server's HTTP close waiting (for up to HTTP_CLOSE_GRACE_MS, far
    // longer than the signal takes). Without it, a drain that finished before the second signal
    // arrived would exit without ever seeing it.
    const heldRequest = await openUnfinishedRequest(port)
    cleanup.push(() => void heldRequest.destroy())
    const terminatedAt = performance.now()
    server.process.kill('SIGTERM')
    await until(
      'the restart notice',
      () => raw.notices.length > 0,
      onEvent(raw.socket, 'server:notice'),
    )
    // A second signal while draining (sent now: two pending SIGTERMs would merge into one).
    server.process.kill('SIGTERM')
    await until(
      'the second signal to be refused',
      () => server.lines.some((line) => line.includes('already shutting down')),
      (check) => {
        server.process.stdout?.on('data', check)
        return () => server.process.stdout?.off('data', check)
      },
    )
    const refusedWhileStopping = await tcpRefused(port)
    heldRequest.destroy()
    const exit = await server.exited
    const exitMs = performance.now() - terminatedAt
    streaming = false
    await stream

    expect(exit).toEqual({ code: 0, signal: null })
    expect(exitMs).toBeLessThan(10_000)
    expect(refusedWhileStopping).toBe(true)
    expect(raw.notices).toEqual([{ reason: 'restarting', message: expect.any(String) }])
    expect(notices).toEqual(['restarting', 'restarting'])
    const log = server.lines.join('\n')
    expect(log.match(/already shutting down/g)).toHaveLength(1)
    expect(log.match(/every received update is stored/g)).toHaveLength(1)
    // Refusals during the drain are `unavailable`, nothing else.
    expect(new Set(raw.refused.values())).toEqual(new Set(raw.refused.size ? ['unavailable'] : []))

    // Every acknowledged update is in the file the stopped server left.
    const stopped = readDocument(databaseFile(dir.path), element.id)
    const acked = new Set([...raw.acked, ...writers.flatMap((writer) => [...writer.acked])])
    const sent = new Set([...raw.sent, ...writers.flatMap((writer) => [...writer.sent])])
    expect(auditTokens(readTokens(stopped.doc), sent, acked)).toEqual(CLEAN_AUDIT)
    stopped.doc.destroy()

    // The provider clients reconnect to the restarted server by themselves and save the rest.
    server = await startChildServer({ port, dataDir: dir.path })
    for (const writer of writers) {
      await until(
        'reconnected',
        () => writer.client.status === 'connected',
        onEvent(writer.client, 'status'),
        15_000,
      )
      await writer.save()
    }
    const reader = new TokenWriter('reader', server.url, element.id, owner.token)
    cleanup.push(() => reader.destroy())
    await reader.session.whenSynced()
    const writersSent = new Set(writers.flatMap((writer) => [...writer.sent]))
    const final = readTokens(reader.session.doc)
    expect(auditTokens(final, new Set([...writersSent, ...raw.sent]), writersSent)).toEqual(
      CLEAN_AUDIT,
    )
    console.log(
      `graceful shutdown: exit after ${Math.round(exitMs)} ms; raw client ${raw.acked.size} acked, ` +
        `${raw.refused.size} refused (unavailable), ${raw.sent.size - raw.acked.size - raw.refused.size} unanswered`,
    )
  })

  it('an HTTP request that never finishes is cut after the grace, and the stop still exits 0', async () => {
    const dir = await makeTempDir('loresync-term-')
    cleanup.push(() => dir.remove())
    const port = await freePort()
    const server = await startChildServer({ port, dataDir: dir.path })
    cleanup.push(() => killHard(server))
    const stalled = await openUnfinishedRequest(port)
    cleanup.push(() => void stalled.destroy())
    const cut = new Promise<void>((resolve) => stalled.once('close', () => resolve()))

    const terminatedAt = performance.now()
    server.process.kill('SIGTERM')
    const exit = await server.exited
    const exitMs = performance.now() - terminatedAt
    await cut

    // Before the cut, this request held the stop until the 10 s deadline, which exits 1.
    expect(exit).toEqual({ code: 0, signal: null })
    expect(exitMs).toBeGreaterThanOrEqual(HTTP_CLOSE_GRACE_MS)
    expect(exitMs).toBeLessThan(10_000)
    expect(server.lines.join('\n')).toMatch(/every received update is stored/)
  })
})
