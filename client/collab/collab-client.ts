/**
 * The framework-free collaboration client: one Socket.IO connection carrying any number of
 * element sessions and world subscriptions. It re-joins every open element and re-subscribes
 * every world on each (re)connect.
 */
import type * as Y from 'yjs'
import { ObservableV2 } from 'lib0/observable'
import type { ElementSummary } from '../../shared/api.ts'
import type { ElementDeleted, ServerNotice } from '../../shared/protocol.ts'
import { ElementSession } from './element-session.ts'
import { createSocket, type CollabSocket, type SocketFactoryOptions } from './socket.ts'
import type { ClientEvents, ConnectionStatus } from './types.ts'
import type { WorldListener, WorldSubscription } from './world-subscription.ts'

export interface CollabClientOptions extends SocketFactoryOptions {
  /** Use an existing socket instead of creating one (tests, custom transports). */
  readonly socket?: CollabSocket
}

export interface OpenOptions {
  /** A document to sync, e.g. one already restored from IndexedDB. */
  readonly doc?: Y.Doc
}

export class CollabClient extends ObservableV2<ClientEvents> {
  readonly socket: CollabSocket
  private readonly sessions = new Map<string, ElementSession>()
  private readonly worlds = new Map<string, Set<WorldListener>>()
  private currentStatus: ConnectionStatus = 'connecting'

  constructor(options: CollabClientOptions = {}) {
    super()
    this.socket = options.socket ?? createSocket(options)
    const socket = this.socket
    socket.on('connect', this.handleConnect)
    socket.on('disconnect', this.handleDisconnect)
    socket.on('connect_error', this.handleConnectError)
    socket.io.on('reconnect_attempt', this.handleReconnectAttempt)
    socket.on('doc:update', (docId, update) => this.sessions.get(docId)?.applyRemoteUpdate(update))
    socket.on('doc:change', (docId, update, awareness) => {
      const session = this.sessions.get(docId)
      session?.applyRemoteUpdate(update)
      session?.applyRemoteAwareness(awareness)
    })
    socket.on('awareness:update', (docId, update) =>
      this.sessions.get(docId)?.applyRemoteAwareness(update),
    )
    socket.on('doc:error', (docId, error) => this.sessions.get(docId)?.handleServerError(error))
    socket.on('doc:role', (docId, role) => this.sessions.get(docId)?.handleRoleChange(role))
    socket.on('server:notice', this.handleNotice)
    socket.on('element:created', (element) =>
      this.forWorld(element.worldId, (l) => l.created(element)),
    )
    socket.on('element:updated', (element) =>
      this.forWorld(element.worldId, (l) => l.updated(element)),
    )
    socket.on('element:presence', (presence) =>
      this.forWorld(presence.worldId, (l) => l.presence?.(presence)),
    )
    socket.on('element:deleted', (element: ElementDeleted) =>
      this.forWorld(element.worldId, (l) => l.deleted(element)),
    )
    if (socket.connected) this.handleConnect()
  }

  get status(): ConnectionStatus {
    return this.currentStatus
  }

  /** Opens an element (or returns the session already open for it). */
  open(docId: string, options: OpenOptions = {}): ElementSession {
    const existing = this.sessions.get(docId)
    if (existing) return existing
    const session = new ElementSession({
      docId,
      socket: this.socket,
      doc: options.doc,
      onDestroy: () => {
        if (this.sessions.get(docId) === session) this.sessions.delete(docId)
      },
    })
    this.sessions.set(docId, session)
    return session
  }

  session(docId: string): ElementSession | undefined {
    return this.sessions.get(docId)
  }

  get openSessions(): number {
    return this.sessions.size
  }

  subscribeWorld(worldId: string, listener: WorldListener): WorldSubscription {
    let listeners = this.worlds.get(worldId)
    const first = !listeners
    if (!listeners) {
      listeners = new Set()
      this.worlds.set(worldId, listeners)
    }
    listeners.add(listener)
    if (this.socket.connected) {
      if (first) this.requestWorld(worldId)
      else this.requestWorld(worldId, listener)
    }
    return {
      worldId,
      unsubscribe: () => {
        const set = this.worlds.get(worldId)
        if (!set?.delete(listener) || set.size > 0) return
        this.worlds.delete(worldId)
        if (this.socket.connected) this.socket.emit('world:unsubscribe', worldId)
      },
    }
  }

  /** Opens the connection (again) after `disconnect()`; a test and UI hook. */
  connect(): void {
    if (this.socket.connected) return
    this.setStatus('connecting')
    this.socket.connect()
  }

  /** Closes the connection and keeps every session for the next `connect()`. */
  disconnect(): void {
    this.socket.disconnect()
  }

  override destroy(): void {
    for (const session of [...this.sessions.values()]) session.destroy()
    this.worlds.clear()
    this.socket.off('connect', this.handleConnect)
    this.socket.off('disconnect', this.handleDisconnect)
    this.socket.off('connect_error', this.handleConnectError)
    this.socket.off('server:notice', this.handleNotice)
    this.socket.io.off('reconnect_attempt', this.handleReconnectAttempt)
    this.socket.disconnect()
    super.destroy()
  }

  private requestWorld(worldId: string, only?: WorldListener): void {
    this.socket.emit('world:subscribe', worldId, (result) => {
      const listeners = only ? [only] : [...(this.worlds.get(worldId) ?? [])]
      for (const listener of listeners) {
        if (!this.worlds.get(worldId)?.has(listener)) continue
        if (result.ok) listener.reset(result.elements, result.presence ?? [])
        else listener.error?.(result.error)
      }
    })
  }

  private forWorld(worldId: string, call: (listener: WorldListener) => void): void {
    for (const listener of this.worlds.get(worldId) ?? []) call(listener)
  }

  private readonly handleConnect = (): void => {
    this.setStatus('connected')
    for (const session of this.sessions.values()) session.join()
    for (const worldId of this.worlds.keys()) this.requestWorld(worldId)
  }

  private readonly handleDisconnect = (): void => {
    for (const session of this.sessions.values()) session.handleDisconnect()
    this.setStatus('disconnected')
  }

  private readonly handleNotice = (notice: ServerNotice): void => {
    if (notice.reason === 'restarting') {
      for (const session of this.sessions.values()) session.handleServerRestarting()
    }
    this.emit('notice', [notice])
  }

  // Socket.IO retries on its own unless we closed the socket ourselves; each attempt is "connecting".
  private readonly handleReconnectAttempt = (): void => {
    this.setStatus('connecting')
  }

  private readonly handleConnectError = (): void => {
    this.setStatus('disconnected')
  }

  private setStatus(status: ConnectionStatus): void {
    if (status === this.currentStatus) return
    this.currentStatus = status
    this.emit('status', [status])
  }
}

export type { ElementSummary }
