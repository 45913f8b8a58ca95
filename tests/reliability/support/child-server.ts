/**
 * The real server as a child process (`node --import tsx server/index.ts`), on a fixed port and
 * data folder, so a test can SIGKILL it and start it again where clients expect it.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { signIn } from '../../helpers/auth.ts'

export interface ChildServerOptions {
  readonly port: number
  readonly dataDir: string
  readonly env?: Readonly<Record<string, string>>
}

/** The owner every child-server test signs in as. */
export const signInOwner = async (url: string): Promise<{ url: string; token: string }> => {
  const { token } = await signIn(url, 'owner')
  return { url, token }
}

export interface RunningServer {
  readonly process: ChildProcess
  readonly url: string
  /** Resolves with the exit code and signal once the process is gone. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** Every log line the server printed (JSON). */
  readonly lines: string[]
}

const READY = 'Loresync is ready'

export const startChildServer = async (options: ChildServerOptions): Promise<RunningServer> => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts'], {
    env: {
      ...process.env,
      PORT: String(options.port),
      HOST: '127.0.0.1',
      DATA_DIR: options.dataDir,
      LOG_LEVEL: 'info',
      NODE_ENV: 'production',
      // Fixed, so access tokens stay valid across restarts; the cheapest password hashing.
      AUTH_SECRET: 'reliability-tests-secret-0123456789abcdef',
      PASSWORD_HASH_COST: '10',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  // 'close', not 'exit': 'exit' can come before the parent has read the child's last output, and
  // the shutdown tests read the log lines written just before the process ends.
  const exited = once(child, 'close').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }))
  const lines: string[] = []
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const ready = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line)
      if (line.includes(READY)) resolve()
    })
    void exited.then(({ code, signal }) =>
      reject(new Error(`server exited before it was ready (${code ?? signal}):\n${stderr}`)),
    )
  })
  await ready
  return { process: child, url: `http://127.0.0.1:${options.port}`, exited, lines }
}

/** SIGKILL: no shutdown code runs, exactly like a crash or an OOM kill. */
export const killHard = async (server: RunningServer): Promise<void> => {
  server.process.kill('SIGKILL')
  await server.exited
}
