import { spawn } from 'node:child_process'
import { once } from 'node:events'

export interface ScriptResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs `npm run <script> -- <args>` with DATA_DIR set, as an operator would. */
export const npmRun = async (
  script: string,
  args: readonly string[],
  dataDir: string,
): Promise<ScriptResult> => {
  const child = spawn('npm', ['run', '--silent', script, '--', ...args], {
    env: { ...process.env, DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const [code] = (await once(child, 'exit')) as [number | null]
  return { code, stdout, stderr }
}
