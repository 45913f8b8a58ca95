/**
 * Operations endpoints: `/readyz` reports storage and shutdown; `/metrics` exposes the documented
 * Prometheus series and counts what happens (updates, acknowledgements, commits, compactions,
 * rejected messages by code).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createElement, createWorld } from '../helpers/api-client.ts'
import { onEvent, until } from '../helpers/events.ts'
import { startTestServer } from '../helpers/test-server.ts'
import { RawClient } from './support/raw-client.ts'
import { TokenWriter } from './support/tokens.ts'

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

const sample = (text: string, series: string): number => {
  const line = text.split('\n').find((row) => row.startsWith(`${series} `))
  if (!line) throw new Error(`no sample ${series} in /metrics`)
  return Number(line.slice(series.length + 1))
}

describe('operations', () => {
  it('GET /metrics counts updates, acks, commits, compactions and rejections', async () => {
    const server = await startTestServer({ compactAfterRows: 3 })
    cleanup.push(() => server.close())
    const world = await createWorld(server)
    const element = await createElement(server, world.id)
    const writer = new TokenWriter('w', server.url, element.id, server.token)
    cleanup.push(() => writer.destroy())
    for (let n = 0; n < 10; n++) {
      writer.insert(1)
      await writer.save()
    }
    const raw = new RawClient('raw', server.url, element.id, server.token)
    cleanup.push(() => raw.close())
    await raw.join()
    const refused = new Promise((resolve) =>
      raw.socket.emit('doc:update', element.id, new Uint8Array([255, 255, 255]), resolve),
    )
    expect(await refused).toMatchObject({ ok: false, error: { code: 'malformed-update' } })

    const response = await fetch(`${server.url}/metrics`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/)
    const text = await response.text()
    expect(sample(text, 'loresync_open_documents')).toBe(1)
    expect(sample(text, 'loresync_connected_sockets')).toBe(2)
    expect(sample(text, 'loresync_updates_received_total')).toBeGreaterThanOrEqual(10)
    expect(sample(text, 'loresync_ack_latency_seconds_count')).toBeGreaterThanOrEqual(10)
    expect(sample(text, 'loresync_group_commit_seconds_count')).toBeGreaterThanOrEqual(10)
    expect(sample(text, 'loresync_stored_bytes')).toBeGreaterThan(0)
    expect(sample(text, 'loresync_compactions_total{outcome="ok"}')).toBeGreaterThanOrEqual(1)
    expect(sample(text, 'loresync_rejected_messages_total{code="malformed-update"}')).toBe(1)
    expect(text).toMatch(/^process_cpu_seconds_total /m)
  })

  it('GET /readyz answers ready; close() tells connected clients it is restarting', async () => {
    const server = await startTestServer()
    const ready = await fetch(`${server.url}/readyz`)
    expect(ready.status).toBe(200)
    // Keep one connection open so the probe can still reach the server while it drains.
    const world = await createWorld(server)
    const element = await createElement(server, world.id)
    const writer = new TokenWriter('w', server.url, element.id, server.token)
    cleanup.push(() => writer.destroy())
    await writer.session.whenSynced()
    const closing = server.close()
    const notice = new Promise((resolve) => writer.client.once('notice', resolve))
    expect(await notice).toMatchObject({ reason: 'restarting' })
    await closing
    await until(
      'disconnected',
      () => writer.client.status !== 'connected',
      onEvent(writer.client, 'status'),
    )
  })
})
