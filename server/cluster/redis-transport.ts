/**
 * The peer channel over Redis pub/sub: one channel per open document, `<prefix>:peer:<docId>`, so
 * a node receives only the documents it holds. Publishing uses the command connection; a
 * subscribed connection can do nothing else, so subscriptions have one of their own.
 */
import type { RedisClientType } from 'redis'
import type { PeerTransport } from './peer-sync.ts'

type Listener = (message: Buffer) => void

export class RedisPeerTransport implements PeerTransport {
  private readonly listeners = new Map<string, Listener>()

  constructor(
    private readonly publisher: RedisClientType,
    private readonly subscriber: RedisClientType,
    private readonly prefix: string,
  ) {}

  channel(docId: string): string {
    return `${this.prefix}:peer:${docId}`
  }

  async subscribe(docId: string, onFrame: (frame: Uint8Array) => void): Promise<void> {
    const listener: Listener = (message) =>
      onFrame(new Uint8Array(message.buffer, message.byteOffset, message.byteLength))
    this.listeners.set(docId, listener)
    await this.subscriber.subscribe(this.channel(docId), listener, true)
  }

  async unsubscribe(docId: string): Promise<void> {
    const listener = this.listeners.get(docId)
    if (!listener) return
    this.listeners.delete(docId)
    // Naming the listener removes only it: a subscription made since for the same document
    // (the room reopened) keeps its own.
    await this.subscriber.unsubscribe(this.channel(docId), listener, true)
  }

  async publish(docId: string, frame: Uint8Array): Promise<void> {
    await this.publisher.publish(
      this.channel(docId),
      Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength),
    )
  }
}
