/**
 * One open element on a shared socket: its Y.Doc, its Awareness, and the sync state machine.
 *
 * Protocol order on every (re)connect (see docs/protocol.md):
 *   1. `doc:join {docId, stateVector}` → the server answers with what we lack and its state vector;
 *   2. we apply its update, then send what the server lacks as one `doc:update` (chunked if large);
 *   3. from then on, each local update is sent as it happens and counted until acknowledged.
 *      Everything changed in one task (an edit and the caret that moved with it) leaves together
 *      at the end of that task, as one `doc:change` message.
 * Offline, nothing is queued: the next handshake carries every local change in one diff.
 */
import * as Y from 'yjs'
import { Awareness, encodeAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness'
import { ObservableV2 } from 'lib0/observable'
import { applyAwarenessEntries, decodeAwarenessEntries } from '../../shared/awareness-entries.ts'
import { toUint8Array } from '../../shared/binary.ts'
import { splitIntoChunks } from '../../shared/chunking.ts'
import type { ErrorCode, ErrorPayload } from '../../shared/errors.ts'
import { CHUNK_BYTES } from '../../shared/limits.ts'
import type { AckResult, JoinResult, Role } from '../../shared/protocol.ts'
import type { CollabSocket } from './socket.ts'
import type { SessionEvents, SessionState } from './types.ts'

/** Origin of transactions applied from the network, so they are not sent back. */
export const REMOTE_ORIGIN = Symbol('loresync-remote')

/** An update encoding with no structs and no deletions: nothing to send. */
const isEmptyUpdate = (update: Uint8Array): boolean =>
  update.byteLength <= 2 && update.every((byte) => byte === 0)

let transferCounter = 0

/**
 * The `doc:error` codes that mean the server no longer has this socket in the element's room
 * (deleted, membership removed, demoted to viewer, or never joined). Other codes refuse one
 * presence frame and change nothing else.
 */
const LEFT_THE_ROOM: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'not-found',
  'forbidden',
  'read-only',
  'not-joined',
])

export interface ElementSessionOptions {
  readonly docId: string
  readonly socket: CollabSocket
  /** Bring your own document (e.g. one already filled from IndexedDB). */
  readonly doc?: Y.Doc
  /** Called once when the session is destroyed, so the client can forget it. */
  readonly onDestroy?: () => void
}

export class ElementSession extends ObservableV2<SessionEvents> {
  readonly docId: string
  readonly doc: Y.Doc
  /** The shape Tiptap's CollaborationCaret expects from `provider.awareness`. */
  readonly awareness: Awareness
  private readonly socket: CollabSocket
  private readonly onDestroy: (() => void) | undefined
  private joined = false
  /** Bumped on every connection; acknowledgements from an older one are ignored. */
  private epoch = 0
  /** Local updates made since the last acknowledged handshake and not yet acknowledged. */
  private unacked = 0
  private handshakePending = false
  private current: SessionState = { synced: false, unsyncedChanges: 0, role: null, error: null }
  private destroyed = false
  /** Local updates of this task, sent together by `flush` (a microtask), and their epoch. */
  private outgoingUpdates: Uint8Array[] = []
  private outgoingEpoch = 0
  /** Awareness client ids changed in this task, sent by the same `flush`. */
  private readonly outgoingAwareness = new Set<number>()
  private flushQueued = false

  constructor({ docId, socket, doc, onDestroy }: ElementSessionOptions) {
    super()
    this.docId = docId
    this.socket = socket
    // A guid of our own: Yjs would otherwise draw a random UUID per document, which was a fifth of
    // the client's time when one socket opens hundreds of elements (benchmark T8).
    this.doc = doc ?? new Y.Doc({ guid: docId })
    this.onDestroy = onDestroy
    this.awareness = new Awareness(this.doc)
    this.doc.on('update', this.handleLocalUpdate)
    this.awareness.on('update', this.handleAwarenessChange)
    if (socket.connected) this.join()
  }

  get state(): SessionState {
    return this.current
  }

  get synced(): boolean {
    return this.current.synced
  }

  get unsyncedChanges(): number {
    return this.current.unsyncedChanges
  }

  get role(): Role | null {
    return this.current.role
  }

  /** Resolves once the session is synced (immediately if it already is). */
  whenSynced(): Promise<void> {
    if (this.current.synced) return Promise.resolve()
    return new Promise((resolve) => this.once('synced', () => resolve()))
  }

  /** Resolves once every local change has been acknowledged by the server. */
  whenSaved(): Promise<void> {
    if (this.current.synced && this.current.unsyncedChanges === 0) return Promise.resolve()
    return new Promise((resolve) => {
      const check = (state: SessionState): void => {
        if (state.synced && state.unsyncedChanges === 0) {
          this.off('state', check)
          resolve()
        }
      }
      this.on('state', check)
    })
  }

  /** Called by the client on every (re)connect. */
  join(): void {
    if (this.destroyed) return
    const epoch = ++this.epoch
    this.joined = false
    this.socket.emit(
      'doc:join',
      { docId: this.docId, stateVector: Y.encodeStateVector(this.doc) },
      (result: JoinResult) => {
        if (epoch !== this.epoch || this.destroyed) return
        this.completeJoin(epoch, result)
      },
    )
  }

  /** Called by the client when the connection drops. */
  handleDisconnect(): void {
    this.epoch++
    this.joined = false
    this.handshakePending = false
    // Peers' carets cannot be trusted while we are not listening for their removal.
    const others = [...this.awareness.getStates().keys()].filter((id) => id !== this.doc.clientID)
    removeAwarenessStates(this.awareness, others, REMOTE_ORIGIN)
    // Forget their clocks too: the next join answer re-sends their states with the clocks we have
    // already seen, and y-protocols ignores a state whose clock is not newer than the one it knows.
    for (const id of others) this.awareness.meta.delete(id)
    this.setState({ synced: false })
  }

  applyRemoteUpdate(payload: unknown): void {
    const update = toUint8Array(payload)
    // Not `!this.joined`: the server relays to a socket from the moment it enters the room, which
    // is before the join answer arrives. Dropping those would leave a hole until the next join;
    // applying them early is safe (Yjs holds what it cannot integrate yet until the answer).
    if (!update || this.destroyed) return
    this.applyFromNetwork(update)
  }

  applyRemoteAwareness(payload: unknown): void {
    const update = toUint8Array(payload)
    if (!update || !this.joined) return
    this.applyAwarenessFromNetwork(update)
  }

  /**
   * Called when the server announces a restart. Updates already sent still get their
   * acknowledgements; new ones stay local and ride the handshake after the reconnect, instead of
   * reaching a server that is draining and would refuse them.
   */
  handleServerRestarting(): void {
    this.joined = false
  }

  handleServerError(error: ErrorPayload): void {
    this.setState({ error })
    // A refused presence frame (too large, malformed) leaves us in the room: keep syncing.
    if (!LEFT_THE_ROOM.has(error.code)) return
    // The server has dropped us from the room (element deleted, access revoked…): stop sending.
    this.joined = false
    this.epoch++
    // Demoted to viewer: join again at once, so the document stays open, read-only.
    if (error.code === 'read-only' && this.socket.connected) this.join()
  }

  /**
   * The server changed our role without dropping us from the room (a promotion, or owner ↔
   * editor). Leaving `viewer` joins again: edits made while read-only were never sent, and the
   * handshake carries exactly what the server lacks.
   */
  handleRoleChange(role: Role): void {
    if (this.destroyed || !this.joined || role === this.current.role) return
    if (this.current.role === 'viewer') this.join()
    else this.setState({ role })
  }

  override destroy(): void {
    if (this.destroyed) return
    if (this.joined) {
      removeAwarenessStates(this.awareness, [this.doc.clientID], 'local')
      // What this task changed goes out before the leave (a flush queued later finds nothing).
      this.flush()
      this.socket.emit('doc:leave', this.docId)
    }
    this.destroyed = true
    this.joined = false
    this.doc.off('update', this.handleLocalUpdate)
    this.awareness.off('update', this.handleAwarenessChange)
    this.awareness.destroy()
    this.onDestroy?.()
    super.destroy()
  }

  private completeJoin(epoch: number, result: JoinResult): void {
    if (!result.ok) {
      this.setState({ error: result.error, synced: false })
      return
    }
    const update = toUint8Array(result.update)
    const serverVector = toUint8Array(result.stateVector)
    const awareness = toUint8Array(result.awareness)
    if (!update || !serverVector) {
      this.setState({
        error: { code: 'internal', message: 'The server sent a join answer without binary data.' },
      })
      return
    }
    // What the server lacks is what this replica held before the answer: taken first, so the
    // answer's own content is not sent back (after applying it, the delete set of a large document
    // would make every fresh replica upload it and wait for the server to integrate it).
    const missing = Y.encodeStateAsUpdate(this.doc, serverVector)
    this.applyFromNetwork(update)
    this.joined = true
    if (awareness) this.applyAwarenessFromNetwork(awareness)
    this.setState({ role: result.role, error: null })
    // Re-announce ourselves with a newer clock (sent by handleAwarenessChange): when our last
    // connection dropped, the server removed our state but kept its clock, so a resend of the same
    // clock would be ignored by the server and every peer. An empty state (y-protocols starts every
    // replica with `{}`) has nothing another client could show: it goes out with the first field
    // set, and a socket opening hundreds of elements sends no presence frame for each of them.
    const local = this.awareness.getLocalState()
    if (local !== null && Object.keys(local).length > 0) this.awareness.setLocalState(local)

    if (isEmptyUpdate(missing) || result.role === 'viewer') {
      this.unacked = 0
      this.setState({ synced: true, unsyncedChanges: 0 })
      this.emit('synced', [])
      return
    }
    // Everything counted so far is inside `missing`; its acknowledgement settles all of it.
    const settledByHandshake = this.unacked
    this.handshakePending = true
    this.sendUpdate(epoch, missing, (ok) => {
      this.handshakePending = false
      if (ok) this.unacked = Math.max(0, this.unacked - settledByHandshake)
      this.setState({ synced: ok, unsyncedChanges: this.unacked })
      if (ok) this.emit('synced', [])
    })
  }

  /**
   * Applies what the server sent without having Yjs encode it again for us. While anything
   * listens to a doc's 'update' event, Yjs encodes every transaction's update as it ends, and for
   * a remote keystroke that was about a tenth of applying it, for a listener that drops it
   * (benchmark T1's readers). So the session stops listening for the network's transaction, and
   * listens again for any transaction of another origin that starts meanwhile: code reacting to
   * the change, or Yjs's formatting cleanup after it, which runs with no origin and is ours to
   * send. Yjs runs those before `applyUpdate` returns.
   */
  private applyFromNetwork(update: Uint8Array): void {
    const doc = this.doc
    doc.off('update', this.handleLocalUpdate)
    doc.on('beforeTransaction', this.listenForOwnTransaction)
    try {
      Y.applyUpdate(doc, update, REMOTE_ORIGIN)
    } finally {
      doc.off('beforeTransaction', this.listenForOwnTransaction)
      if (!this.destroyed) doc.on('update', this.handleLocalUpdate)
    }
  }

  /**
   * y-protocols' `applyAwarenessUpdate`, without the comparison with each previous state when
   * nothing listens to 'change' (shared/awareness-entries.ts): every caret a peer moves comes
   * through here. A frame that cannot be decoded changes nothing; the server sends only frames
   * it decoded itself, so that would be a fault on the way, not something to stop the session for.
   */
  private applyAwarenessFromNetwork(update: Uint8Array): void {
    let entries
    try {
      entries = decodeAwarenessEntries(update)
    } catch {
      return
    }
    applyAwarenessEntries(this.awareness, entries, REMOTE_ORIGIN)
  }

  private readonly listenForOwnTransaction = (transaction: Y.Transaction): void => {
    if (transaction.origin !== REMOTE_ORIGIN) this.doc.on('update', this.handleLocalUpdate)
  }

  private readonly handleLocalUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === REMOTE_ORIGIN || this.destroyed) return
    this.unacked++
    this.setState({ unsyncedChanges: this.unacked })
    // Before the handshake completes, the handshake diff will carry this update.
    if (!this.joined || this.current.role === 'viewer') return
    if (this.outgoingEpoch !== this.epoch) this.outgoingUpdates = []
    this.outgoingEpoch = this.epoch
    this.outgoingUpdates.push(update)
    this.queueFlush()
  }

  private readonly handleAwarenessChange = (
    change: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    if (origin === REMOTE_ORIGIN || !this.joined) return
    for (const ids of [change.added, change.updated, change.removed]) {
      for (const id of ids) this.outgoingAwareness.add(id)
    }
    this.queueFlush()
  }

  private queueFlush(): void {
    if (this.flushQueued) return
    this.flushQueued = true
    queueMicrotask(() => {
      this.flushQueued = false
      this.flush()
    })
  }

  /**
   * Sends what this task changed: its updates (merged) and its awareness frame, as one
   * `doc:change` when there are both. Updates of an older connection are dropped: the handshake
   * of the newer one already carries them.
   */
  private flush(): void {
    const updates = this.outgoingEpoch === this.epoch ? this.outgoingUpdates : []
    this.outgoingUpdates = []
    const clients = [...this.outgoingAwareness]
    this.outgoingAwareness.clear()
    if (this.destroyed || !this.joined) return
    const awareness = clients.length > 0 ? encodeAwarenessUpdate(this.awareness, clients) : null
    if (updates.length === 0) {
      if (awareness) this.socket.emit('awareness:update', this.docId, awareness)
      return
    }
    const update = updates.length === 1 ? updates[0]! : Y.mergeUpdates(updates)
    const settle = (ok: boolean): void => {
      if (ok) this.unacked = Math.max(0, this.unacked - updates.length)
      this.setState({ unsyncedChanges: this.unacked })
    }
    if (awareness && update.byteLength <= CHUNK_BYTES) {
      const epoch = this.epoch
      this.socket.emit('doc:change', this.docId, update, awareness, (result: AckResult) =>
        this.settleSend(epoch, result, settle),
      )
      return
    }
    this.sendUpdate(this.epoch, update, settle)
    if (awareness) this.socket.emit('awareness:update', this.docId, awareness)
  }

  private settleSend(epoch: number, result: AckResult, done: (ok: boolean) => void): void {
    if (epoch !== this.epoch || this.destroyed) return
    if (!result.ok) this.setState({ error: result.error })
    done(result.ok)
  }

  /** Sends one update, in chunks when it is too large for one message. */
  private sendUpdate(epoch: number, update: Uint8Array, done: (ok: boolean) => void): void {
    const finish = (result: AckResult): void => this.settleSend(epoch, result, done)
    if (update.byteLength <= CHUNK_BYTES) {
      this.socket.emit('doc:update', this.docId, update, finish)
      return
    }
    const pieces = splitIntoChunks(update)
    const transferId = `${this.doc.clientID}-${++transferCounter}`
    // Pieces go one at a time: each waits for the previous acknowledgement, so a large offline
    // state never floods the socket and the server holds at most one piece in flight per transfer.
    const sendPiece = (index: number): void => {
      const data = pieces[index]
      if (!data) return
      this.socket.emit(
        'doc:update-chunk',
        this.docId,
        { transferId, index, total: pieces.length, data },
        (result: AckResult) => {
          if (index === pieces.length - 1 || !result.ok) finish(result)
          else if (epoch === this.epoch && !this.destroyed) sendPiece(index + 1)
        },
      )
    }
    sendPiece(0)
  }

  private setState(patch: Partial<SessionState>): void {
    const next = { ...this.current, ...patch }
    if (this.handshakePending) next.synced = false
    if (
      next.synced === this.current.synced &&
      next.unsyncedChanges === this.current.unsyncedChanges &&
      next.role === this.current.role &&
      next.error === this.current.error
    ) {
      return
    }
    this.current = next
    this.emit('state', [next])
  }
}
