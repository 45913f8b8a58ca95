/**
 * The typing workload of T1, T2 and T5: elements with a fixed number of clients each (one
 * connection per client, as one browser tab per user), some of them typists, all in this process.
 * Each edit inserts at the typist's cursor (sometimes replacing the character before it) and is
 * followed by a cursor awareness update, as an editor would send (editing.ts). T7 runs the same
 * layout with its typists in a process of their own (split-typing.ts).
 *
 * Latency is measured inside this one process, so every client shares the clock: an edit is
 * delivered to a client when that client's state vector covers the typist's clock right after the
 * edit (every edit inserts, so every edit advances the clock). Its latency is the time until the
 * last of the other clients of the element has it.
 */
import * as Y from 'yjs'
import {
  isAcking,
  type AckingDoc,
  type ClientAdapter,
  type ClientConnection,
  type OpenedDoc,
} from '../clients/types.ts'
import type { ServerHandle } from '../servers/types.ts'
import { BENCH_TEXT } from './documents.ts'
import { introduce, pace, typeOne } from './editing.ts'
import type { Prng } from './prng.ts'
import { now, sleep, withTimeout } from './time.ts'

interface Participant {
  readonly connection: ClientConnection
  readonly opened: OpenedDoc
  readonly text: Y.Text
  readonly typist: Typist | null
  /** Per typist of the element (by index in `element.typists`): edits of it seen so far. */
  readonly seen: number[]
}

interface Typist {
  readonly clientId: number
  /** The typist's clock right after each of its edits. */
  readonly clocks: number[]
  readonly sentAt: number[]
  /** Whether each edit falls into a measured window. */
  readonly measured: boolean[]
  /** Other clients that have not received each edit yet. */
  readonly remaining: number[]
  /** When the first other client had each edit. */
  readonly firstAt: number[]
  /** Send times of edits not acknowledged yet (acknowledging providers only). */
  readonly unackedSince: number[]
  cursor: number
  readonly prng: Prng
}

interface Element {
  readonly participants: Participant[]
  readonly typists: Typist[]
}

export interface TypingLayout {
  readonly names: readonly string[]
  readonly clientsPerElement: number
  readonly typistsPerElement: number
}

export interface WindowResult {
  /** Edits made in the window. */
  readonly edits: number
  readonly seconds: number
  /** Per-edit latency (ms) until every other client of its element had it. */
  readonly latencies: number[]
  /**
   * The same latency in two parts, for edits every other client had: until the first of them had
   * it (the typist's send, the server's work and the first write, the network hops), and from the
   * first to the last (the server's remaining writes and the readers' work, which run in parallel
   * on their two cores, whichever is slower setting the pace).
   */
  readonly firstReader: number[]
  readonly firstToLast: number[]
  /** (edit, receiving client) pairs delivered / expected, for edits of the window. */
  readonly deliveredPairs: number
  readonly expectedPairs: number
  /** Emit → acknowledgement (ms), for providers that acknowledge. */
  readonly ackLatencies: number[]
}

/** What a scenario drives of a typing workload, wherever its clients run (see SplitTypingWorkload). */
export interface TypingLoad {
  readonly clients: number
  readonly typistCount: number
  /** Types for `ms` at `perTypist` edits/s each; with `measure`, into the window. */
  type(perTypist: number, ms: number, measure: boolean): Promise<void>
  /** Waits (up to `ms`) until every measured edit reached every client and was acknowledged. */
  drain(ms: number): Promise<void>
  /** Returns the measured window and starts a new, empty one. */
  takeWindow(seconds: number): WindowResult
  close(): void | Promise<void>
}

export class TypingWorkload implements TypingLoad {
  private readonly elements: Element[] = []
  private measuring = false
  private latencies: number[] = []
  private firstReader: number[] = []
  private firstToLast: number[] = []
  private ackLatencies: number[] = []
  private deliveredPairs = 0
  private expectedPairs = 0
  private editsInWindow = 0
  private readonly disposers: (() => void)[] = []

  private constructor(
    private readonly layout: TypingLayout,
    private readonly prng: Prng,
  ) {}

  /** Opens every client (each on its own connection) and waits until all are synced. */
  static async open(
    client: ClientAdapter,
    server: ServerHandle,
    layout: TypingLayout,
    prng: Prng,
    timeoutMs: number,
  ): Promise<TypingWorkload> {
    const workload = new TypingWorkload(layout, prng)
    await server.prepare(layout.names)
    const opening = async (): Promise<void> => {
      // The first client of each element loads it; the rest join a loaded document, in batches.
      const firsts = layout.names.map((name, index) =>
        workload.addParticipant(client, server, name, index, 0),
      )
      await Promise.all(firsts.map((participant) => participant.opened.whenSynced()))
      for (let slot = 1; slot < layout.clientsPerElement; slot++) {
        const batch = layout.names.map((name, index) =>
          workload.addParticipant(client, server, name, index, slot),
        )
        await Promise.all(batch.map((participant) => participant.opened.whenSynced()))
      }
    }
    try {
      await withTimeout(opening(), timeoutMs, 'opening the typing clients')
    } catch (error) {
      workload.close()
      throw error
    }
    return workload
  }

  get clients(): number {
    return this.elements.reduce((sum, element) => sum + element.participants.length, 0)
  }

  get typistCount(): number {
    return this.elements.reduce((sum, element) => sum + element.typists.length, 0)
  }

  private addParticipant(
    client: ClientAdapter,
    server: ServerHandle,
    name: string,
    elementIndex: number,
    slot: number,
  ): Participant {
    let element = this.elements[elementIndex]
    if (!element) {
      element = { participants: [], typists: [] }
      this.elements[elementIndex] = element
    }
    const connection = client.connect(server)
    const opened = connection.open(name)
    introduce(opened, elementIndex, slot)
    const isTypist = slot < this.layout.typistsPerElement
    const typist: Typist | null = isTypist
      ? {
          clientId: opened.doc.clientID,
          clocks: [],
          sentAt: [],
          measured: [],
          remaining: [],
          firstAt: [],
          unackedSince: [],
          cursor: 0,
          prng: this.prng.fork(`typist-${elementIndex}-${slot}`),
        }
      : null
    const participant: Participant = {
      connection,
      opened,
      text: opened.doc.getText(BENCH_TEXT),
      typist,
      seen: [],
    }
    if (typist) {
      element.typists.push(typist)
      if (isAcking(opened)) this.trackAcks(opened, typist)
    }
    element.participants.push(participant)
    const current = element
    // 'afterTransaction', not 'update': while anything listens to 'update', Yjs encodes every
    // transaction's update for it, and the measurement must not add that work to a client whose
    // provider does not ask for it (see docs/benchmarks.md, "How it measures").
    const onTransaction = (): void => this.observe(current, participant)
    opened.doc.on('afterTransaction', onTransaction)
    this.disposers.push(() => opened.doc.off('afterTransaction', onTransaction))
    return participant
  }

  private trackAcks(opened: AckingDoc, typist: Typist): void {
    this.disposers.push(
      opened.onAckChange(() => {
        const at = now()
        while (typist.unackedSince.length > opened.unacked()) {
          const sent = typist.unackedSince.shift()
          if (sent !== undefined && this.measuring) this.ackLatencies.push(at - sent)
        }
      }),
    )
  }

  /** A client's document changed: credit it with every typist edit its state now covers. */
  private observe(element: Element, participant: Participant): void {
    const at = now()
    const store = participant.opened.doc.store
    for (let t = 0; t < element.typists.length; t++) {
      const typist = element.typists[t]
      if (!typist || typist === participant.typist) continue
      const state = Y.getState(store, typist.clientId)
      let seen = participant.seen[t] ?? 0
      while (seen < typist.clocks.length && (typist.clocks[seen] ?? Infinity) <= state) {
        const left = (typist.remaining[seen] ?? 0) - 1
        typist.remaining[seen] = left
        const firstAt = (typist.firstAt[seen] ??= at)
        if (typist.measured[seen]) {
          this.deliveredPairs++
          if (left === 0) {
            const sentAt = typist.sentAt[seen] ?? at
            this.latencies.push(at - sentAt)
            this.firstReader.push(firstAt - sentAt)
            this.firstToLast.push(at - firstAt)
          }
        }
        seen++
      }
      participant.seen[t] = seen
    }
  }

  private edit(element: Element, participant: Participant): void {
    const typist = participant.typist
    if (!typist) return
    const { opened } = participant
    let sentAt = 0
    const clock = typeOne(typist, opened, participant.text, () => {
      sentAt = now()
      if (isAcking(opened)) typist.unackedSince.push(sentAt)
    })
    typist.clocks.push(clock)
    typist.sentAt.push(sentAt)
    typist.measured.push(this.measuring)
    typist.remaining.push(element.participants.length - 1)
    if (this.measuring) {
      this.editsInWindow++
      this.expectedPairs += element.participants.length - 1
    }
  }

  /**
   * Types for `ms` at `perTypist` edits per second each (seeded jitter of ±25 % per interval).
   * With `measure`, the edits count into the window that `takeWindow()` returns.
   */
  async type(perTypist: number, ms: number, measure: boolean): Promise<void> {
    this.measuring = measure
    const typists = this.elements.flatMap((element) =>
      element.participants.flatMap((participant) =>
        participant.typist ? [{ prng: participant.typist.prng, element, participant }] : [],
      ),
    )
    await pace(typists, perTypist, ms, ({ element, participant }) =>
      this.edit(element, participant),
    )
  }

  /** Waits (up to `ms`) until every measured edit reached every client. */
  async drain(ms: number): Promise<void> {
    const deadline = now() + ms
    while (this.deliveredPairs < this.expectedPairs && now() < deadline) await sleep(20)
    // Acknowledgements of the last edits, for acknowledging providers.
    while (
      now() < deadline &&
      this.elements.some((element) =>
        element.typists.some((typist) => typist.unackedSince.length > 0),
      )
    ) {
      await sleep(20)
    }
  }

  /** Returns the measured window and starts a new, empty one. */
  takeWindow(seconds: number): WindowResult {
    const result: WindowResult = {
      edits: this.editsInWindow,
      seconds,
      latencies: this.latencies,
      firstReader: this.firstReader,
      firstToLast: this.firstToLast,
      deliveredPairs: this.deliveredPairs,
      expectedPairs: this.expectedPairs,
      ackLatencies: this.ackLatencies,
    }
    this.latencies = []
    this.firstReader = []
    this.firstToLast = []
    this.ackLatencies = []
    this.deliveredPairs = 0
    this.expectedPairs = 0
    this.editsInWindow = 0
    this.measuring = false
    return result
  }

  close(): void {
    for (const dispose of this.disposers.splice(0)) dispose()
    for (const element of this.elements) {
      for (const participant of element.participants) {
        participant.opened.destroy()
        participant.connection.close()
      }
    }
  }
}
