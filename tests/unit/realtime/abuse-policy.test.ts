import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { AbusePolicy, type GuardedSocket } from '../../../server/realtime/abuse-policy.ts'

const socket = (id: string): GuardedSocket & { disconnects: number } => ({
  id,
  disconnects: 0,
  disconnect() {
    this.disconnects++
  },
})

const settle = () => new Promise((resolve) => setImmediate(resolve))
const many = { points: 1_000_000, seconds: 60 }

describe('SocketGuard', () => {
  it('admits a socket\u2019s messages up to its window, then again once the window has passed', () => {
    // The socket's window runs on performance.now(): faked, so the window passes without a wait.
    vi.useFakeTimers({ toFake: ['performance'] })
    onTestFinished(() => {
      vi.useRealTimers()
    })
    const policy = new AbusePolicy({
      messagesPerSocket: { points: 3, seconds: 0.2 },
      messagesPerAddress: many,
      offencesPerSocket: many,
    })
    const guard = policy.forSocket(socket('a'), '10.0.0.1')
    const first = [guard.admit(), guard.admit(), guard.admit(), guard.admit()]
    expect(first).toEqual([true, true, true, false])
    // Another socket has its own window.
    expect(policy.forSocket(socket('b'), '10.0.0.1').admit()).toBe(true)
    vi.advanceTimersByTime(199)
    expect(guard.admit()).toBe(false)
    vi.advanceTimersByTime(1)
    expect(guard.admit()).toBe(true)
  })

  it('shares the address window between the sockets of one address', () => {
    const policy = new AbusePolicy({
      messagesPerSocket: many,
      messagesPerAddress: { points: 2, seconds: 60 },
      offencesPerSocket: many,
    })
    const a = policy.forSocket(socket('a'), '10.0.0.2')
    const b = policy.forSocket(socket('b'), '10.0.0.2')
    expect([a.admit(), b.admit(), a.admit()]).toEqual([true, true, false])
    expect(policy.forSocket(socket('c'), '10.0.0.3').admit()).toBe(true)
  })

  it('forgets an address window only once it has passed', () => {
    vi.useFakeTimers({ toFake: ['performance'] })
    onTestFinished(() => {
      vi.useRealTimers()
    })
    const policy = new AbusePolicy({
      messagesPerSocket: many,
      messagesPerAddress: { points: 1, seconds: 10 },
      offencesPerSocket: many,
    })
    const a = policy.forSocket(socket('a'), '10.0.0.5')
    expect([a.admit(), a.admit()]).toEqual([true, false])
    // A new address sweeps the windows that have passed: not this one, 5 s in.
    vi.advanceTimersByTime(5_000)
    expect(policy.forSocket(socket('b'), '10.0.0.6').admit()).toBe(true)
    expect(a.admit()).toBe(false)
    // Past its end, swept by the next new address, or not: a new window either way.
    vi.advanceTimersByTime(5_000)
    expect(policy.forSocket(socket('c'), '10.0.0.7').admit()).toBe(true)
    expect(a.admit()).toBe(true)
    expect(a.admit()).toBe(false)
  })

  it('disconnects once, on the offence over the limit; a refused message is an offence', async () => {
    const policy = new AbusePolicy({
      messagesPerSocket: { points: 1, seconds: 60 },
      messagesPerAddress: many,
      offencesPerSocket: { points: 2, seconds: 60 },
    })
    const target = socket('a')
    const guard = policy.forSocket(target, '10.0.0.4')
    expect(guard.admit()).toBe(true)
    guard.offence()
    expect(guard.admit()).toBe(false) // the second offence
    await settle()
    expect(target.disconnects).toBe(0)
    guard.offence()
    guard.offence()
    await settle()
    expect(target.disconnects).toBe(1)
    // A disconnected socket's messages are refused without counting further.
    expect(guard.admit()).toBe(false)
  })
})
