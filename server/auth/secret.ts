/**
 * The key that signs session tokens: AUTH_SECRET when it is set (required when several nodes
 * share sessions), otherwise a random key created once in DATA_DIR/auth-secret, readable by the
 * owner only, and reused on every start so sessions survive restarts.
 */
import { randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'

export const SECRET_FILE = 'auth-secret'

const readSecretFile = (file: string): Uint8Array => {
  // A file someone widened by hand is narrowed again: the key must not be readable by others.
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600)
  const text = readFileSync(file, 'utf8').trim()
  if (text.length < 43) {
    throw new Error(`${file} holds no usable key: delete it to have a new one created`)
  }
  return new TextEncoder().encode(text)
}

export const loadAuthSecret = (configured: string | null, dataDir: string): Uint8Array => {
  if (configured !== null) return new TextEncoder().encode(configured)
  mkdirSync(dataDir, { recursive: true })
  const file = path.join(dataDir, SECRET_FILE)
  try {
    // 'wx': of two processes starting on a fresh folder, one creates the key and both read it.
    writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
  return readSecretFile(file)
}
