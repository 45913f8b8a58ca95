/**
 * Builds the web app once before the browser tests; the test server serves dist/client. A build
 * from source every run means the tests never drive a stale bundle.
 */
import { execFileSync } from 'node:child_process'
import path from 'node:path'

export default function setup(): void {
  const vite = path.resolve('node_modules/vite/bin/vite.js')
  const env = { ...process.env }
  // The tests open the app on the server's own origin, which is the default.
  delete env.VITE_SERVER_URL
  execFileSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { stdio: 'inherit', env })
}
