/**
 * Property-based fuzz of the real socket handlers: 20,000 malformed document updates and
 * awareness frames (random bytes, truncated, bit-flipped, inflated lengths, V2 bytes sent as V1)
 * from hostile sockets, interleaved with valid edits from an honest one, on a real Socket.IO
 * server. The server must never crash or hang; the stored document must equal the one built from
 * the valid updates only; hostile sockets are disconnected after repeated offences.
 *
 * Seeded: SEED=<n> reproduces a run; the seed is printed when it fails.
 */
import fc from 'fast-check'
import { afterAll, beforeAll, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness'
import type { ElementSummary } from '../../../shared/api.ts'
import { getBody, getFields, getTags, readContent } from '../../../shared/element-doc.ts'
import { createElement, createWorld } from '../../helpers/api-client.ts'
import { connectRaw, type RawSocket } from '../../helpers/raw-socket.ts'
import { startTestServer, type TestServer } from '../../helpers/test-server.ts'

const SEED = Number(process.env.SEED ?? Math.floor(Math.random() * 2 ** 31))
const RUNS = 20
const FRAMES_PER_RUN = 1000
const OFFENCE_LIMIT = 400

let server: TestServer
let element: ElementSummary
let honest: RawSocket
/** What the server should hold: its state at join time plus every update it accepted. */
let reference: Y.Doc
let honestDoc: Y.Doc
const hostile: RawSocket[] = []

const unlimited = { points: Number.MAX_SAFE_INTEGER, seconds: 1 }

beforeAll(async () => {
  server = await startTestServer({
    abuseLimits: {
      messagesPerSocket: unlimited,
      messagesPerAddress: unlimited,
      offencesPerSocket: { points: OFFENCE_LIMIT, seconds: 600 },
    },
  })
  const world = await createWorld(server)
  element = await createElement(server, world.id, { kind: 'location', name: 'Harrow' })
  honest = await connectRaw(server.url, { token: server.token })
  honestDoc = new Y.Doc()
  const joined = await honest.emitWithAck('doc:join', {
    docId: element.id,
    stateVector: Y.encodeStateVector(honestDoc),
  })
  if (!joined.ok) throw new Error(joined.error.message)
  Y.applyUpdate(honestDoc, joined.update)
  reference = new Y.Doc()
  Y.applyUpdate(reference, joined.update)
})

afterAll(async () => {
  honest?.close()
  for (const socket of hostile) socket.close()
  await server?.close()
})

// --- the corpus the mutations start from --------------------------------------------------------

/** Valid updates and awareness frames from a document of the fuzzer's own. */
const corpus = (() => {
  const doc = new Y.Doc()
  // Fixed, so that SEED alone reproduces a run.
  doc.clientID = 0x5eed
  const updates: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => updates.push(update))
  ;(getFields(doc).get('name') as Y.Text | undefined)?.insert(0, 'x')
  getTags(doc).push(['coast', 'port'])
  const paragraph = new Y.XmlElement('paragraph')
  paragraph.insert(0, [new Y.XmlText('Fog over the harbour.')])
  getBody(doc).insert(0, [paragraph])
  getFields(doc).set('kind', 'location')
  const v2 = Y.encodeStateAsUpdateV2(doc)
  const awareness = new Awareness(doc)
  awareness.setLocalState({ user: { name: 'fuzz' }, cursor: { anchor: 3, head: 7 } })
  const frames = [encodeAwarenessUpdate(awareness, [doc.clientID])]
  awareness.destroy()
  return { updates: [...updates, Y.encodeStateAsUpdate(doc)], v2, frames }
})()

const bitFlip = (bytes: Uint8Array, positions: number[]): Uint8Array => {
  const out = bytes.slice()
  for (const p of positions) out[p % out.length]! ^= 1 << (p % 8)
  return out
}

/** Replaces one byte with a varuint far larger than the message: a length or count that lies. */
const inflate = (bytes: Uint8Array, at: number): Uint8Array => {
  const i = at % bytes.length
  return Uint8Array.from([
    ...bytes.slice(0, i),
    0xff,
    0xff,
    0xff,
    0xff,
    0x0f,
    ...bytes.slice(i + 1),
  ])
}

const mutationOf = (sources: readonly Uint8Array[]) =>
  fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 256 }),
    fc
      .tuple(fc.constantFrom(...sources), fc.nat())
      .map(([bytes, cut]) => bytes.slice(0, 1 + (cut % Math.max(1, bytes.length - 1)))),
    fc
      .tuple(fc.constantFrom(...sources), fc.array(fc.nat(), { minLength: 1, maxLength: 3 }))
      .map(([bytes, positions]) => bitFlip(bytes, positions)),
    fc.tuple(fc.constantFrom(...sources), fc.nat()).map(([bytes, at]) => inflate(bytes, at)),
  )

type Frame = { kind: 'update' | 'awareness'; bytes: Uint8Array }

const frameArbitrary: fc.Arbitrary<Frame> = fc.oneof(
  {
    weight: 6,
    arbitrary: mutationOf(corpus.updates).map((bytes) => ({ kind: 'update' as const, bytes })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'update' as const, bytes: corpus.v2 }) },
  {
    weight: 3,
    arbitrary: mutationOf(corpus.frames).map((bytes) => ({ kind: 'awareness' as const, bytes })),
  },
)

/** Would these bytes apply completely on top of the model, with nothing left waiting? */
const isValidUpdate = (bytes: Uint8Array): boolean => {
  try {
    Y.decodeUpdate(bytes)
    const scratch = new Y.Doc()
    Y.applyUpdate(scratch, Y.encodeStateAsUpdate(reference))
    Y.applyUpdate(scratch, bytes)
    return scratch.store.pendingStructs === null && scratch.store.pendingDs === null
  } catch {
    return false
  }
}

// --- the hostile side ----------------------------------------------------------------------------

let current: RawSocket | undefined
let disconnects = 0

const hostileSocket = async (): Promise<RawSocket> => {
  if (current?.connected) return current
  current = await connectRaw(server.url, { token: server.token })
  hostile.push(current)
  current.on('disconnect', () => disconnects++)
  const joined = await current.emitWithAck('doc:join', {
    docId: element.id,
    stateVector: new Uint8Array([0]),
  })
  if (!joined.ok) throw new Error(joined.error.message)
  return current
}

/** Sends one frame; resolves with the ack (updates), or undefined when none can come. */
const send = (socket: RawSocket, frame: Frame): Promise<boolean | undefined> =>
  new Promise((resolve) => {
    if (frame.kind === 'awareness') {
      socket.emit('awareness:update', element.id, frame.bytes)
      return resolve(undefined)
    }
    const gone = () => resolve(undefined)
    socket.once('disconnect', gone)
    socket.emit('doc:update', element.id, frame.bytes, (ack) => {
      socket.off('disconnect', gone)
      resolve(ack.ok)
    })
  })

const honestEdit = async (n: number): Promise<void> => {
  const before = Y.encodeStateVector(honestDoc)
  ;(getFields(honestDoc).get('summary') as Y.Text).insert(0, `edit ${n}. `)
  const update = Y.encodeStateAsUpdate(honestDoc, before)
  const ack = await honest.emitWithAck('doc:update', element.id, update)
  expect(ack).toEqual({ ok: true })
  Y.applyUpdate(reference, update)
}

const contentOf = (doc: Y.Doc) => ({
  content: readContent(doc),
  body: getBody(doc).toString(),
  vector: Array.from(Y.decodeStateVector(Y.encodeStateVector(doc))).sort(),
})

it(`survives ${RUNS * FRAMES_PER_RUN} malformed frames and stores only valid updates`, async () => {
  let sent = 0
  let accepted = 0
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.array(frameArbitrary, { minLength: FRAMES_PER_RUN, maxLength: FRAMES_PER_RUN }),
        async (frames) => {
          for (let start = 0; start < frames.length; start += 250) {
            const batch = frames.slice(start, start + 250)
            const socket = await hostileSocket()
            const acks = await Promise.all(batch.map((frame) => send(socket, frame)))
            batch.forEach((frame, i) => {
              if (frame.kind !== 'update') return
              const ack = acks[i]
              // An update the server accepted must apply completely on the model; one it refused is
              // left out. An update whose answer was lost to the disconnect counts if Yjs takes it.
              if (ack === true || (ack === undefined && isValidUpdate(frame.bytes))) {
                Y.applyUpdate(reference, frame.bytes)
                expect(
                  reference.store.pendingStructs,
                  'an accepted update left pieces missing',
                ).toBeNull()
                accepted++
              }
            })
            sent += batch.length
            await honestEdit(sent)
          }
        },
      ),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    )
  } catch (error) {
    console.error(`malformed-update fuzz failed: reproduce with SEED=${SEED}`)
    throw error
  }
  expect(sent).toBeGreaterThanOrEqual(20_000)
  // Hostile sockets were cut off after OFFENCE_LIMIT offences each, repeatedly.
  expect(disconnects).toBeGreaterThan(10)

  // The server is alive and well: it answers HTTP and a fresh client can edit.
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
  await honestEdit(-1)

  // Memory and storage agree with the model built from the valid updates.
  const room = server.app.registry.get(element.id)!
  expect(contentOf(room.doc)).toEqual(contentOf(reference))
  const stored = (await server.app.store.loadDocument(element.id))!
  const fromDisk = new Y.Doc()
  if (stored.snapshot) Y.applyUpdate(fromDisk, stored.snapshot)
  for (const update of stored.updates) Y.applyUpdate(fromDisk, update)
  expect(contentOf(fromDisk)).toEqual(contentOf(reference))
  console.info(`fuzz SEED=${SEED}: ${sent} frames, ${accepted} happened to be valid updates`)
}, 120_000)
