/**
 * Password hashing with scrypt (memory-hard, in node:crypto). The stored form carries its own
 * parameters and salt, `scrypt$<log2 N>$<r>$<p>$<salt>$<hash>` (base64url), so the cost can be
 * raised later without invalidating existing hashes.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'

export interface ScryptCost {
  /** log2 of N, the CPU/memory cost. */
  readonly logN: number
  readonly r: number
  readonly p: number
}

/** OWASP's scrypt equivalent of N=2^17,r=8,p=1 at a quarter of the memory: 32 MiB per hash. */
export const DEFAULT_SCRYPT_COST: ScryptCost = { logN: 15, r: 8, p: 3 }

const KEY_BYTES = 32
const SALT_BYTES = 16

const derive = (password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const N = 2 ** cost.logN
    scrypt(
      password.normalize('NFKC'),
      salt,
      KEY_BYTES,
      // scrypt needs 128·N·r bytes; leave head-room above Node's 32 MiB default.
      { N, r: cost.r, p: cost.p, maxmem: 256 * N * cost.r },
      (error, key) => (error ? reject(error) : resolve(key)),
    )
  })

export const hashPassword = async (
  password: string,
  cost: ScryptCost = DEFAULT_SCRYPT_COST,
): Promise<string> => {
  const salt = randomBytes(SALT_BYTES)
  const key = await derive(password, salt, cost)
  return [
    'scrypt',
    cost.logN,
    cost.r,
    cost.p,
    salt.toString('base64url'),
    key.toString('base64url'),
  ].join('$')
}

const parse = (stored: string): { cost: ScryptCost; salt: Buffer; key: Buffer } | undefined => {
  const [scheme, logN, r, p, salt, key] = stored.split('$')
  if (scheme !== 'scrypt' || salt === undefined || key === undefined) return undefined
  const cost = { logN: Number(logN), r: Number(r), p: Number(p) }
  if (![cost.logN, cost.r, cost.p].every((n) => Number.isSafeInteger(n) && n > 0)) return undefined
  return { cost, salt: Buffer.from(salt, 'base64url'), key: Buffer.from(key, 'base64url') }
}

/** Compares in constant time; a malformed stored hash never matches. */
export const verifyPassword = async (password: string, stored: string): Promise<boolean> => {
  const parsed = parse(stored)
  if (!parsed) return false
  const key = await derive(password, parsed.salt, parsed.cost)
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key)
}
