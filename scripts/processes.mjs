// @ts-check
// What start.mjs and dev.mjs share: where things live and how to run them as child processes.
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { constants } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))

// Vite's package exports hide bin/, but package.json is exported and bin/ sits next to it.
export const VITE = join(
  dirname(createRequire(import.meta.url).resolve('vite/package.json')),
  'bin/vite.js',
)

// tsx is loaded into Node as a module hook rather than run as the `tsx` CLI, which would put a
// second process between us and the server: the child we signal is the server itself.
export const SERVER_ARGS = ['--import', 'tsx', 'server/index.ts']

export const FORWARDED_SIGNALS = /** @type {const} */ (['SIGINT', 'SIGTERM'])

/**
 * Runs `node ...args` in the repository root, sharing our terminal.
 * @param {readonly string[]} args
 * @param {NodeJS.ProcessEnv} [env]
 */
export function node(args, env = process.env) {
  return spawn(process.execPath, args, { cwd: ROOT, env, stdio: 'inherit' })
}

/**
 * The status a shell reports for a process that exited with `code` or was killed by `signal`.
 * @param {number | null} code
 * @param {NodeJS.Signals | null} signal
 */
export function exitStatus(code, signal) {
  return code ?? 128 + (signal === null ? 0 : constants.signals[signal])
}
