// @ts-check
// `npm run dev`: the server and Vite's dev server side by side. Open the URL Vite prints: it serves
// the client with hot reload and proxies /api and /socket.io to the server (see vite.config.ts).
// Node restarts the server when one of its source files changes. When either process ends, the
// other is stopped too, and this script exits with the status of the first one to end. Arguments go
// to Vite: `npm run dev -- --port 5174`.
import { FORWARDED_SIGNALS, SERVER_ARGS, VITE, exitStatus, node } from './processes.mjs'

/** @type {NodeJS.ProcessEnv} */
const env = { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'debug' }
// Keep Vite's proxy pointed at the server when PORT moves it.
if (env.PORT !== undefined) env.LORESYNC_DEV_API ??= `http://127.0.0.1:${env.PORT}`

const children = [
  node(['--watch', '--watch-preserve-output', ...SERVER_ARGS], env),
  node([VITE, ...process.argv.slice(2)], env),
]
const running = () => children.filter((c) => c.exitCode === null && c.signalCode === null)

/** @type {number | undefined} */
let status
for (const child of children) {
  child.on('exit', (code, signal) => {
    status ??= exitStatus(code, signal)
    for (const other of running()) other.kill('SIGTERM')
    if (running().length === 0) process.exit(status)
  })
}
for (const signal of FORWARDED_SIGNALS) {
  process.on(signal, () => running().forEach((c) => c.kill(signal)))
}
