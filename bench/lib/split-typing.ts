/**
 * T7's typing workload: TypingWorkload's layout, with the typists in a process of their own
 * (TypistProcess) and the receivers here in the driver. In one process an acknowledgement waited
 * in the driver's event loop behind the deliveries to 950 receivers and the driver's garbage
 * collection; a real user's client shares its event loop with no one else's.
 *
 * Delivery now starts in one process and ends in another, so it is matched after the window, on
 * the clock both share (`sharedNow`): each receiver records every advance of its element's
 * typists' clocks in its document, with the time, and needs nothing from the typist process to
 * do so. An edit reached a receiver at the first advance that covers the edit's clock; its
 * latency is the time until the last receiver of its element had it, as in TypingWorkload.
 */
import * as Y from 'yjs'
import type { ClientAdapter, ClientConnection, OpenedDoc } from '../clients/types.ts'
import type { ServerHandle } from '../servers/types.ts'
import { introduce } from './editing.ts'
import type { Prng } from './prng.ts'
import { now, sharedNow, sleep, withTimeout } from './time.ts'
import type { EditRecord } from './typist-ipc.ts'
import { TypistProcess } from './typist-process.ts'
import type { TypingLayout, TypingLoad, WindowResult } from './typing.ts'

/** One typist's clock in one receiver's document: each value it advanced to, and when. */
interface Track {
  readonly clocks: number[]
  /** Shared clock. */
  readonly times: number[]
}

interface Receiver {
  readonly connection: ClientConnection
  readonly opened: OpenedDoc
  /** By the typist's Yjs clientID. */
  readonly tracks: ReadonlyMap<number, Track>
}

interface Element {
  readonly typistIds: readonly number[]
  readonly receivers: Receiver[]
}

/** When `track` first covered `clock` (clocks only grow), or undefined if it never did. */
const reachedAt = (track: Track, clock: number): number | undefined => {
  let low = 0
  let high = track.clocks.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if ((track.clocks[middle] ?? Infinity) >= clock) high = middle
    else low = middle + 1
  }
  return track.times[low]
}

export class SplitTypingWorkload implements TypingLoad {
  private readonly elements: Element[] = []
  private readonly disposers: (() => void)[] = []
  /** Measured edits of the window, as the typist process reported them. */
  private measured: EditRecord[] = []
  private ackLatencies: number[] = []

  private constructor(private readonly typists: TypistProcess) {}

  /**
   * Starts the typist process, which opens slot 0..typistsPerElement-1 of every element and waits
   * until they are synced; then opens the other slots here, in batches, as TypingWorkload does.
   */
  static async open(
    client: ClientAdapter,
    server: ServerHandle,
    layout: TypingLayout,
    prng: Prng,
    timeoutMs: number,
  ): Promise<SplitTypingWorkload> {
    if (client.name !== 'loresync') {
      throw new Error(
        `typists in their own process drive only loresync's client, not ${client.name}`,
      )
    }
    await server.prepare(layout.names)
    const workload = new SplitTypingWorkload(await TypistProcess.start())
    try {
      await withTimeout(
        workload.connect(client, server, layout, prng, timeoutMs),
        timeoutMs,
        'opening the typing clients',
      )
    } catch (error) {
      await workload.close()
      throw error
    }
    return workload
  }

  private async connect(
    client: ClientAdapter,
    server: ServerHandle,
    layout: TypingLayout,
    prng: Prng,
    timeoutMs: number,
  ): Promise<void> {
    const { names, typistsPerElement, clientsPerElement } = layout
    // Forked as TypingWorkload forks them, so the typists replay the in-process sequence.
    const seeds = names.flatMap((_, element) =>
      Array.from(
        { length: typistsPerElement },
        (_, slot) => prng.fork(`typist-${element}-${slot}`).seed,
      ),
    )
    const docIds = Object.fromEntries(names.map((name) => [name, server.docId(name)]))
    const token = server.token ?? null
    const setup = { url: server.url, token, account: server.account ?? null, docIds, layout, seeds }
    const clientIds = await this.typists.open(setup, timeoutMs)
    for (let element = 0; element < names.length; element++) {
      const typistIds = clientIds.slice(
        element * typistsPerElement,
        (element + 1) * typistsPerElement,
      )
      this.elements.push({ typistIds, receivers: [] })
    }
    for (let slot = typistsPerElement; slot < clientsPerElement; slot++) {
      const batch = names.map((name, element) =>
        this.addReceiver(client, server, name, element, slot),
      )
      await Promise.all(batch.map((receiver) => receiver.opened.whenSynced()))
    }
  }

  private addReceiver(
    client: ClientAdapter,
    server: ServerHandle,
    name: string,
    elementIndex: number,
    slot: number,
  ): Receiver {
    const element = this.elements[elementIndex]
    if (!element) throw new Error(`no element ${elementIndex}`)
    const connection = client.connect(server)
    const opened = connection.open(name)
    introduce(opened, elementIndex, slot)
    const tracks = new Map(element.typistIds.map((id) => [id, { clocks: [], times: [] } as Track]))
    // 'afterTransaction', not 'update', as in typing.ts: the measurement adds no encoding.
    const onTransaction = (): void => {
      const at = sharedNow()
      for (const [clientId, track] of tracks) {
        const clock = Y.getState(opened.doc.store, clientId)
        if (clock > (track.clocks.at(-1) ?? 0)) {
          track.clocks.push(clock)
          track.times.push(at)
        }
      }
    }
    opened.doc.on('afterTransaction', onTransaction)
    this.disposers.push(() => opened.doc.off('afterTransaction', onTransaction))
    const receiver: Receiver = { connection, opened, tracks }
    element.receivers.push(receiver)
    return receiver
  }

  get clients(): number {
    return (
      this.typistCount + this.elements.reduce((sum, { receivers }) => sum + receivers.length, 0)
    )
  }

  get typistCount(): number {
    return this.elements.reduce((sum, { typistIds }) => sum + typistIds.length, 0)
  }

  async type(perTypist: number, ms: number, measure: boolean): Promise<void> {
    const edits = await this.typists.type(perTypist, ms, measure)
    for (const edit of edits) if (edit.measured) this.measured.push(edit)
  }

  /** Waits (up to `ms`) until every measured edit reached every receiver and was acknowledged. */
  async drain(ms: number): Promise<void> {
    const deadline = now() + ms
    const waitForDeliveries = async (): Promise<void> => {
      while (!this.allDelivered() && now() < deadline) await sleep(20)
    }
    const [ackLatencies] = await Promise.all([this.typists.drain(ms), waitForDeliveries()])
    this.ackLatencies.push(...ackLatencies)
  }

  private allDelivered(): boolean {
    return this.measured.every(({ element, clientId, clock }) =>
      (this.elements[element]?.receivers ?? []).every(
        ({ tracks }) => (tracks.get(clientId)?.clocks.at(-1) ?? 0) >= clock,
      ),
    )
  }

  /** Matches the window's edits to the receivers' tracks; starts a new, empty window. */
  takeWindow(seconds: number): WindowResult {
    const latencies: number[] = []
    const firstReader: number[] = []
    const firstToLast: number[] = []
    let deliveredPairs = 0
    let expectedPairs = 0
    for (const { element, clientId, clock, sentAt } of this.measured) {
      const receivers = this.elements[element]?.receivers ?? []
      expectedPairs += receivers.length
      let reached = 0
      let first = Infinity
      let last = -Infinity
      for (const { tracks } of receivers) {
        const track = tracks.get(clientId)
        const at = track && reachedAt(track, clock)
        if (at === undefined) continue
        reached++
        first = Math.min(first, at)
        last = Math.max(last, at)
      }
      deliveredPairs += reached
      if (reached > 0 && reached === receivers.length) {
        latencies.push(last - sentAt)
        firstReader.push(first - sentAt)
        firstToLast.push(last - first)
      }
    }
    const result: WindowResult = {
      edits: this.measured.length,
      seconds,
      latencies,
      firstReader,
      firstToLast,
      deliveredPairs,
      expectedPairs,
      ackLatencies: this.ackLatencies,
    }
    this.measured = []
    this.ackLatencies = []
    return result
  }

  async close(): Promise<void> {
    for (const dispose of this.disposers.splice(0)) dispose()
    for (const { receivers } of this.elements) {
      for (const { opened, connection } of receivers) {
        opened.destroy()
        connection.close()
      }
    }
    await this.typists.stop()
  }
}
