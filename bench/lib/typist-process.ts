/**
 * The driver's side of T7's typist process (typist-child.ts): starts it under `node --import tsx`,
 * sends one command at a time and resolves with its reply, and stops it. It is spawned like the
 * servers (own process group, killed on every way out of the driver), so it never outlives us.
 */
import type { ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { REPO_ROOT } from '../servers/server-process.ts'
import { CLIENT_CORE, spawnPinned, stopChild } from './processes.ts'
import { TimeoutError, withTimeout } from './time.ts'
import {
  isTypistReply,
  type EditRecord,
  type TypistCommand,
  type TypistReply,
  type TypistSetup,
} from './typist-ipc.ts'

const SCRIPT = 'bench/lib/typist-child.ts'
const STARTUP_TIMEOUT_MS = 30_000
const STOP_GRACE_MS = 2000
/** Slack on top of a command's own duration before its reply counts as lost. */
const REPLY_SLACK_MS = 30_000

type ReplyOf<K extends TypistReply['kind']> = Extract<TypistReply, { readonly kind: K }>

const isKind = <K extends TypistReply['kind']>(reply: TypistReply, kind: K): reply is ReplyOf<K> =>
  reply.kind === kind

export class TypistProcess {
  private stderr = ''

  private constructor(private readonly child: ChildProcess) {
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-4000)
    })
    child.stdout?.resume()
    // Send errors go to their callbacks (see ask); anything else shows in the next failure.
    child.on('error', (error) => {
      this.stderr += `\n${String(error)}`
    })
  }

  /**
   * Starts the process and waits until it listens. It runs on the clients' core, where the driver
   * runs too (it would inherit the driver's affinity anyway): every simulated client stays on
   * CLIENT_CORE, off the server's.
   */
  static async start(): Promise<TypistProcess> {
    const child = spawnPinned(process.execPath, ['--import', 'tsx', SCRIPT], {
      core: CLIENT_CORE,
      env: process.env,
      cwd: REPO_ROOT,
      ipc: true,
    })
    const typists = new TypistProcess(child)
    try {
      await typists.ask(null, 'ready', STARTUP_TIMEOUT_MS)
    } catch (error) {
      await typists.stop()
      throw error
    }
    return typists
  }

  /** Opens the typists' clients; resolves with their Yjs clientIDs once all are synced. */
  async open(setup: TypistSetup, timeoutMs: number): Promise<readonly number[]> {
    return (await this.ask({ kind: 'open', setup }, 'opened', timeoutMs)).clientIds
  }

  /** Types for `ms`; resolves with every edit made, on the shared clock. */
  async type(perTypist: number, ms: number, measure: boolean): Promise<readonly EditRecord[]> {
    const command = { kind: 'type', perTypist, ms, measure } as const
    return (await this.ask(command, 'typed', ms + REPLY_SLACK_MS)).edits
  }

  /** Waits (up to `ms`) for the last acknowledgements; resolves with the window's ack latencies. */
  async drain(ms: number): Promise<readonly number[]> {
    return (await this.ask({ kind: 'drain', ms }, 'drained', ms + REPLY_SLACK_MS)).ackLatencies
  }

  /** Disconnecting lets the child close its clients and exit; the signals are the fallback. */
  async stop(): Promise<void> {
    const { child } = this
    if (child.connected && child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit')
      child.disconnect()
      await withTimeout(exited, STOP_GRACE_MS, 'the typist process exiting').catch(() => undefined)
    }
    await stopChild(child)
  }

  /**
   * Sends `command` (none: just listen) and resolves with the next reply, which must be of `kind`;
   * rejects on a failure, the process's exit or a timeout.
   */
  private ask<K extends TypistReply['kind']>(
    command: TypistCommand | null,
    kind: K,
    timeoutMs: number,
  ): Promise<ReplyOf<K>> {
    const { child } = this
    return new Promise<ReplyOf<K>>((resolve, reject) => {
      const fail = (error: Error): void => {
        settle()
        reject(error)
      }
      const settle = (): void => {
        clearTimeout(timer)
        child.off('message', onMessage)
        child.off('exit', onExit)
      }
      const onMessage = (message: unknown): void => {
        if (!isTypistReply(message)) return
        settle()
        if (isKind(message, kind)) resolve(message)
        else if (message.kind === 'failed') reject(new Error(`typist process: ${message.error}`))
        else reject(new Error(`typist process answered ${message.kind}, expected ${kind}`))
      }
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
        fail(new Error(`the typist process exited (${code ?? signal}):\n${this.stderr}`))
      const timer = setTimeout(
        () =>
          fail(new TimeoutError(`the typist process did not answer ${kind} in ${timeoutMs} ms`)),
        timeoutMs,
      )
      child.on('message', onMessage)
      child.once('exit', onExit)
      if (child.exitCode !== null || child.signalCode !== null) {
        onExit(child.exitCode, child.signalCode)
      } else if (command) {
        // With a callback, a closed channel is reported here rather than as an 'error' event.
        child.send(command, (error) => {
          if (error) fail(error)
        })
      }
    })
  }
}
