/**
 * T7's typists, in a process of their own (started by TypistProcess). A real user's client does not
 * share its event loop with 999 other users: here each acknowledgement is timed where it cannot
 * queue behind the receivers' deliveries or their garbage. Opens one client per typist, types when
 * told, times acknowledgements as TypingWorkload does, and reports each edit on the shared clock
 * so the driver can match it to its receivers.
 */
import type * as Y from 'yjs'
import { loresyncClient, type LoresyncConnection } from '../clients/loresync.ts'
import type { AckingDoc } from '../clients/types.ts'
import { BENCH_TEXT } from './documents.ts'
import { introduce, pace, typeOne } from './editing.ts'
import { createPrng, type Prng } from './prng.ts'
import { sharedNow, sleep } from './time.ts'
import {
  isTypistCommand,
  type EditRecord,
  type TypistCommand,
  type TypistReply,
  type TypistSetup,
} from './typist-ipc.ts'

interface Typist {
  readonly element: number
  readonly connection: LoresyncConnection
  readonly opened: AckingDoc
  readonly text: Y.Text
  readonly prng: Prng
  cursor: number
  /** Send times (shared clock) of edits not acknowledged yet. */
  readonly unackedSince: number[]
}

const typists: Typist[] = []
const disposers: (() => void)[] = []
let measuring = false
let ackLatencies: number[] = []

const send = (reply: TypistReply): void => {
  process.send?.(reply)
}

/** As TypingWorkload.trackAcks: each acknowledged edit's emit → ack time, while measuring. */
const trackAcks = (typist: Typist): void => {
  const { opened, unackedSince } = typist
  disposers.push(
    opened.onAckChange(() => {
      const at = sharedNow()
      while (unackedSince.length > opened.unacked()) {
        const sent = unackedSince.shift()
        if (sent !== undefined && measuring) ackLatencies.push(at - sent)
      }
    }),
  )
}

const open = async (setup: TypistSetup): Promise<number[]> => {
  // Only what the loresync adapter reads of a ServerHandle.
  const target = {
    url: setup.url,
    token: setup.token,
    account: setup.account,
    docId: (name: string): string => {
      const id = setup.docIds[name]
      if (id === undefined) throw new Error(`no document id for ${name}`)
      return id
    },
  }
  const { names, typistsPerElement } = setup.layout
  names.forEach((name, element) => {
    for (let slot = 0; slot < typistsPerElement; slot++) {
      const seed = setup.seeds[typists.length]
      if (seed === undefined) throw new Error(`no seed for typist ${element}/${slot}`)
      const connection = loresyncClient.connect(target)
      const opened = connection.open(name)
      introduce(opened, element, slot)
      const typist: Typist = {
        element,
        connection,
        opened,
        text: opened.doc.getText(BENCH_TEXT),
        prng: createPrng(seed),
        cursor: 0,
        unackedSince: [],
      }
      typists.push(typist)
      trackAcks(typist)
    }
  })
  await Promise.all(typists.map((typist) => typist.opened.whenSynced()))
  return typists.map((typist) => typist.opened.doc.clientID)
}

const type = async (perTypist: number, ms: number, measure: boolean): Promise<EditRecord[]> => {
  measuring = measure
  const edits: EditRecord[] = []
  await pace(typists, perTypist, ms, (typist) => {
    let sentAt = 0
    const clock = typeOne(typist, typist.opened, typist.text, () => {
      sentAt = sharedNow()
      typist.unackedSince.push(sentAt)
    })
    const { element } = typist
    edits.push({ element, clientId: typist.opened.doc.clientID, clock, sentAt, measured: measure })
  })
  return edits
}

/** Waits (up to `ms`) for every acknowledgement; hands over the window and starts a new one. */
const drain = async (ms: number): Promise<number[]> => {
  const deadline = sharedNow() + ms
  while (sharedNow() < deadline && typists.some((typist) => typist.unackedSince.length > 0)) {
    await sleep(20)
  }
  const window = ackLatencies
  ackLatencies = []
  measuring = false
  return window
}

const handle = async (command: TypistCommand): Promise<TypistReply> => {
  switch (command.kind) {
    case 'open':
      return { kind: 'opened', clientIds: await open(command.setup) }
    case 'type':
      return { kind: 'typed', edits: await type(command.perTypist, command.ms, command.measure) }
    case 'drain':
      return { kind: 'drained', ackLatencies: await drain(command.ms) }
  }
}

process.on('message', (message: unknown) => {
  if (!isTypistCommand(message)) return
  handle(message).then(send, (error: unknown) =>
    send({
      kind: 'failed',
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    }),
  )
})
// Lost IPC means the driver is gone (or done with us): close the clients and do not outlive it.
process.on('disconnect', () => {
  for (const dispose of disposers.splice(0)) dispose()
  for (const typist of typists) {
    typist.opened.destroy()
    typist.connection.close()
  }
  process.exit(0)
})
send({ kind: 'ready' })
