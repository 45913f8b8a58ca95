/**
 * Brute-force brakes for the account endpoints (rate-limiter-flexible, in memory). Failed logins
 * are counted per username and per client address; registrations per address. A throttled call
 * is refused with `rate-limited` before any password is hashed, so a flood costs no CPU.
 */
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible'

export interface Window {
  readonly points: number
  readonly seconds: number
}

export interface AuthLimits {
  readonly failedLoginsPerUsername: Window
  readonly failedLoginsPerAddress: Window
  readonly registrationsPerAddress: Window
}

export const DEFAULT_AUTH_LIMITS: AuthLimits = {
  failedLoginsPerUsername: { points: 10, seconds: 15 * 60 },
  failedLoginsPerAddress: { points: 100, seconds: 15 * 60 },
  registrationsPerAddress: { points: 30, seconds: 60 * 60 },
}

const limiter = ({ points, seconds }: Window): RateLimiterMemory =>
  new RateLimiterMemory({ points, duration: seconds })

/** True when `key` still has points left, without spending one. */
const hasPoints = async (rl: RateLimiterMemory, key: string, points: number): Promise<boolean> => {
  const res = await rl.get(key)
  return !res || res.consumedPoints < points
}

/** Spends one point; never throws (a refusal is what `hasPoints` reports next time). */
const spend = async (rl: RateLimiterMemory, key: string): Promise<void> => {
  try {
    await rl.consume(key)
  } catch (error) {
    if (!(error instanceof RateLimiterRes)) throw error
  }
}

export class AuthThrottle {
  private readonly byUsername: RateLimiterMemory
  private readonly byAddress: RateLimiterMemory
  private readonly registrations: RateLimiterMemory

  constructor(private readonly limits: AuthLimits = DEFAULT_AUTH_LIMITS) {
    this.byUsername = limiter(limits.failedLoginsPerUsername)
    this.byAddress = limiter(limits.failedLoginsPerAddress)
    this.registrations = limiter(limits.registrationsPerAddress)
  }

  async mayTryLogin(usernameKey: string, address: string): Promise<boolean> {
    const [user, addr] = await Promise.all([
      hasPoints(this.byUsername, usernameKey, this.limits.failedLoginsPerUsername.points),
      hasPoints(this.byAddress, address, this.limits.failedLoginsPerAddress.points),
    ])
    return user && addr
  }

  async loginFailed(usernameKey: string, address: string): Promise<void> {
    await Promise.all([spend(this.byUsername, usernameKey), spend(this.byAddress, address)])
  }

  async loginSucceeded(usernameKey: string): Promise<void> {
    await this.byUsername.delete(usernameKey)
  }

  /** Spends one registration for the address; false when it has none left. */
  async mayRegister(address: string): Promise<boolean> {
    try {
      await this.registrations.consume(address)
      return true
    } catch (error) {
      if (error instanceof RateLimiterRes) return false
      throw error
    }
  }
}
