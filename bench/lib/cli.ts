/**
 * `npm run bench -- [--quick] [--scenario T1,T4] [--repeats N] [--servers a,b] [--cpu-prof[=dir]]
 * [--merge bench/results/<earlier>.json]`
 */
import { isScenarioId, SCENARIO_IDS, type ScenarioId } from '../scenarios/types.ts'
import { isServerName, SERVER_NAMES, type ServerName } from '../servers/types.ts'

export interface Options {
  readonly quick: boolean
  readonly scenarios: readonly ScenarioId[]
  readonly repeats: number
  readonly servers: readonly ServerName[]
  readonly seed: number
  /** Write a V8 CPU profile of our server per run into this folder. */
  readonly cpuProfileDir: string | null
  /** An earlier results file whose runs of the scenarios not run now join this table. */
  readonly merge: string | null
}

export class UsageError extends Error {
  override name = 'UsageError'
}

const list = <T extends string>(
  value: string,
  valid: (item: string) => item is T,
  all: readonly T[],
  what: string,
): T[] => {
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
  for (const item of items) {
    if (!valid(item))
      throw new UsageError(`unknown ${what} "${item}"; choose from ${all.join(', ')}`)
  }
  return items as T[]
}

export const parseOptions = (argv: readonly string[], env: NodeJS.ProcessEnv): Options => {
  let quick = false
  let scenarios: ScenarioId[] = [...SCENARIO_IDS]
  let repeats: number | undefined
  let servers: ServerName[] = [...SERVER_NAMES]
  let cpuProfileDir: string | null = null
  let merge: string | null = null
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg, undefined]
    const value = (): string => {
      const next = inline ?? argv[++i]
      if (next === undefined) throw new UsageError(`${flag} needs a value`)
      return next
    }
    switch (flag) {
      case '--quick':
        quick = true
        break
      case '--scenario':
      case '--scenarios':
        scenarios = list(value().toUpperCase(), isScenarioId, SCENARIO_IDS, 'scenario')
        break
      case '--repeats':
        repeats = Number(value())
        if (!Number.isInteger(repeats) || repeats < 1)
          throw new UsageError('--repeats takes a positive integer')
        break
      case '--servers':
        servers = list(value(), isServerName, SERVER_NAMES, 'server')
        break
      case '--merge':
        merge = value()
        break
      case '--cpu-prof':
        cpuProfileDir = inline ?? 'bench/results/profiles'
        break
      default:
        throw new UsageError(
          `unknown flag ${arg}; use --quick, --scenario T1,T4, --repeats N, --servers ${SERVER_NAMES.join(',')}, --cpu-prof[=dir], --merge results.json`,
        )
    }
  }
  const seed = Number(env.SEED ?? 1)
  if (!Number.isInteger(seed)) throw new UsageError('SEED must be an integer')
  return {
    quick,
    scenarios,
    repeats: repeats ?? (quick ? 1 : 3),
    servers,
    seed,
    cpuProfileDir,
    merge,
  }
}
