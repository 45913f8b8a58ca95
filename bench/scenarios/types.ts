/** The contract between the runner and a scenario. */
import type { ClientAdapter } from '../clients/types.ts'
import type { Prng } from '../lib/prng.ts'
import type { ServerAdapter, ServerHandle, ServerName } from '../servers/types.ts'

export const SCENARIO_IDS = ['T1', 'T2', 'T3', 'T4', 'T5', 'T6', 'T7', 'T8', 'T9'] as const
export type ScenarioId = (typeof SCENARIO_IDS)[number]

export const isScenarioId = (value: string): value is ScenarioId =>
  (SCENARIO_IDS as readonly string[]).includes(value)

/** Metric values keyed `T<n>.<metric>` (see targets.ts for units and targets). */
export type Metrics = Record<string, number>

export interface StartOptions {
  readonly synchronous?: 'full' | 'normal'
}

export interface RunContext {
  readonly quick: boolean
  readonly repeat: number
  readonly prng: Prng
  readonly serverName: ServerName
  readonly client: ClientAdapter
  /**
   * Starts the server under test on this run's data folder (again after a stop: same documents).
   * The runner stops whatever is still running when the scenario ends, however it ends.
   */
  startServer(options?: StartOptions): Promise<ServerHandle>
  /**
   * Registers clean-up the runner performs if the scenario does not (timeout, failure). Returns an
   * idempotent function the scenario calls to clean up early.
   */
  defer(cleanup: () => void | Promise<void>): () => Promise<void>
  log(message: string): void
}

export interface Scenario {
  /** The scenario ids this one run measures (T1's workload also yields T5's wire cost). */
  readonly provides: readonly ScenarioId[]
  readonly title: string
  /** Servers it runs against; undefined means all selected. */
  readonly only?: readonly ServerName[]
  /** Caps --repeats for scenarios too long to repeat within the suite's time (T6). */
  readonly maxRepeats?: number
  timeLimitMs(quick: boolean): number
  run(context: RunContext): Promise<Metrics>
}

export type { ServerAdapter }
