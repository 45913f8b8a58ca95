/**
 * Flood and abuse limits for sockets (rate-limiter-flexible, in memory, per process):
 *
 * - messages per socket and per client address, in fixed windows sized so that typing, a paste, a
 *   burst of a few hundred updates sent at once and opening a hundred elements never reach them;
 *   a message over the limit is refused `rate-limited` (and counts as an offence);
 * - offences per socket: malformed, oversized, forged, read-only or rate-limited messages; too many
 *   within the window and the socket is disconnected;
 * - connection attempts per client address, counted before the token is even looked at;
 * - caps on documents open per socket and on a document's stored size.
 *
 * Connection attempts per address live in rate-limiter-flexible. Messages are counted on every
 * message's path, synchronously: a socket's own window in its SocketGuard (two numbers; a keyed
 * limiter would hold a record, a Date and a timer per socket, about 0.4 KB for every idle
 * connection), its address's in `AddressWindows`. rate-limiter-flexible only answers through a
 * promise, and awaiting it put every update's handler behind the rest of the read that brought it:
 * 17 µs at the median before an edit was relayed (benchmark T1, docs/benchmarks.md item 17).
 */
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible'
import { MAX_DOCUMENT_BYTES, MAX_OPEN_DOCUMENTS_PER_SOCKET } from '../../shared/limits.ts'

export interface Window {
  readonly points: number
  readonly seconds: number
}

export interface AbuseLimits {
  readonly messagesPerSocket: Window
  readonly messagesPerAddress: Window
  readonly offencesPerSocket: Window
  readonly connectionsPerAddress: Window
  readonly maxOpenDocuments: number
  readonly maxDocumentBytes: number
}

export const DEFAULT_ABUSE_LIMITS: AbuseLimits = {
  // Typing sends ~10 updates and ~10 awareness frames a second; a burst of 500 updates, or 100
  // elements opened (join + handshake update + awareness each), stays far below.
  messagesPerSocket: { points: 2000, seconds: 10 },
  // Several people behind one address (an office, a school) share this.
  messagesPerAddress: { points: 10_000, seconds: 10 },
  offencesPerSocket: { points: 20, seconds: 60 },
  connectionsPerAddress: { points: 300, seconds: 60 },
  maxOpenDocuments: MAX_OPEN_DOCUMENTS_PER_SOCKET,
  maxDocumentBytes: MAX_DOCUMENT_BYTES,
}

const limiter = ({ points, seconds }: Window): RateLimiterMemory =>
  new RateLimiterMemory({ points, duration: seconds })

/** Spends one point; false when the key has none left. */
const take = async (rl: RateLimiterMemory, key: string): Promise<boolean> => {
  try {
    await rl.consume(key)
    return true
  } catch (error) {
    if (error instanceof RateLimiterRes) return false
    throw error
  }
}

/** What a guard needs of a socket; the in-memory test transport provides the same. */
export interface GuardedSocket {
  readonly id: string
  disconnect(close?: boolean): unknown
}

/**
 * One fixed window counted in place, with the semantics of a keyed RateLimiterMemory: the first
 * point opens a window of `seconds`; within it at most `points` are granted; once it has passed
 * the next point opens a new one.
 */
class WindowCount {
  private used = 0
  /** performance.now() at which the current window ends; 0 before the first point. */
  private endsAt = 0

  /** Whether the current window is over at `now` (or none was ever opened). */
  ended(now: number): boolean {
    return now >= this.endsAt
  }

  /** Spends one point of `window`; false when the window has none left. */
  take(window: Window): boolean {
    const now = performance.now()
    if (now >= this.endsAt) {
      this.used = 0
      this.endsAt = now + window.seconds * 1000
    }
    this.used++
    return this.used <= window.points
  }
}

/**
 * One WindowCount per client address, for the addresses seen within the last window. A window that
 * has ended holds nothing a new one would not: entries are swept once per window length, when a
 * new address comes, so the map holds about one window's worth of addresses and needs no timer.
 */
class AddressWindows {
  private readonly windows = new Map<string, WindowCount>()
  private sweepAt = 0

  constructor(private readonly window: Window) {}

  /** Spends one point of `address`'s window; false when it has none left. */
  take(address: string): boolean {
    let count = this.windows.get(address)
    if (!count) {
      this.sweep()
      count = new WindowCount()
      this.windows.set(address, count)
    }
    return count.take(this.window)
  }

  private sweep(): void {
    const now = performance.now()
    if (now < this.sweepAt) return
    this.sweepAt = now + this.window.seconds * 1000
    for (const [address, count] of this.windows) if (count.ended(now)) this.windows.delete(address)
  }
}

export class AbusePolicy {
  readonly limits: AbuseLimits
  private readonly perAddress: AddressWindows
  private readonly connections: RateLimiterMemory

  constructor(overrides: Partial<AbuseLimits> = {}) {
    this.limits = { ...DEFAULT_ABUSE_LIMITS, ...overrides }
    this.perAddress = new AddressWindows(this.limits.messagesPerAddress)
    this.connections = limiter(this.limits.connectionsPerAddress)
  }

  /** Counts a connection attempt from `address`; false when it is over the limit. */
  admitConnection(address: string): Promise<boolean> {
    return take(this.connections, address)
  }

  forSocket(socket: GuardedSocket, address: string): SocketGuard {
    return new SocketGuard(this, socket, address)
  }

  /** @internal SocketGuard's access to the window its address shares with other sockets. */
  admitFromAddress(address: string): boolean {
    return this.perAddress.take(address)
  }
}

/**
 * One socket's view of the policy. It is itself the socket's message window (a WindowCount of
 * `messagesPerSocket`): every idle connection holds one guard, and a second object for the
 * window cost 56 bytes more (benchmark T3).
 */
export class SocketGuard extends WindowCount {
  private disconnected = false
  /** Created at the first offence: most sockets never commit one. */
  private offences: WindowCount | undefined

  constructor(
    private readonly policy: AbusePolicy,
    private readonly socket: GuardedSocket,
    private readonly address: string,
  ) {
    super()
  }

  get limits(): AbuseLimits {
    return this.policy.limits
  }

  /**
   * Counts one incoming message. False means over the rate: the caller answers `rate-limited`
   * (which is itself an offence) and does nothing else with the message. Synchronous, so a handler
   * that admits a message carries on in the same turn.
   */
  admit(): boolean {
    if (this.disconnected) return false
    // Both windows count every message, even one the socket's own window refuses.
    const mine = this.take(this.policy.limits.messagesPerSocket)
    const admitted = this.policy.admitFromAddress(this.address) && mine
    if (!admitted) this.offence()
    return admitted
  }

  /** Counts an offence; the one that goes over the limit disconnects the socket. */
  offence(): void {
    this.offences ??= new WindowCount()
    const withinLimit = this.offences.take(this.policy.limits.offencesPerSocket)
    // Disconnected after the current turn, so the refusal that caused the offence is sent first.
    void Promise.resolve().then(() => {
      if (withinLimit || this.disconnected) return
      this.disconnected = true
      this.socket.disconnect(true)
    })
  }
}
