// @ts-check
// `npm start`: build the client if its sources changed since the last build, then run the server.
// Signals are forwarded to whichever child is running, and we exit with the server's status.
import { once } from 'node:events'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { FORWARDED_SIGNALS, ROOT, SERVER_ARGS, VITE, exitStatus, node } from './processes.mjs'

const BUILT_INDEX = join(ROOT, 'dist/client/index.html')
// Tests never reach the bundle, so editing one should not cost a rebuild.
const TEST_FILE = /\.(test|spec)\.ts$/

/** @type {import('node:child_process').ChildProcess | undefined} */
let child
/** @type {NodeJS.Signals | undefined} */
let stoppedBy
for (const signal of FORWARDED_SIGNALS) {
  process.on(signal, () => {
    stoppedBy = signal
    child?.kill(signal)
  })
}

// A signal that arrives between two children still stops us before the next one starts.
/** @param {readonly string[]} args */
async function run(args) {
  if (stoppedBy) process.exit(exitStatus(null, stoppedBy))
  child = node(args)
  const [code, signal] = await once(child, 'exit')
  return exitStatus(code, signal)
}

// Only files count: a deleted source file leaves no newer mtime behind, but whoever deletes one
// edits its importers too.
function newestSourceMtime() {
  let newest = statSync(join(ROOT, 'vite.config.ts')).mtimeMs
  for (const dir of ['client', 'shared']) {
    for (const path of readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })) {
      if (TEST_FILE.test(path)) continue
      const stat = statSync(join(ROOT, dir, path))
      if (stat.isFile()) newest = Math.max(newest, stat.mtimeMs)
    }
  }
  return newest
}

if (!existsSync(BUILT_INDEX) || statSync(BUILT_INDEX).mtimeMs < newestSourceMtime()) {
  console.log('Building the client: dist/client is missing or older than its sources.')
  const status = await run([VITE, 'build'])
  if (status !== 0) process.exit(status)
}

process.exit(await run(SERVER_ARGS))
