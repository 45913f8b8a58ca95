/**
 * `npm run bench`: runs the selected scenarios against Loresync and its peers, each server in its
 * own pinned process, and prints the table of medians, ratios and verdicts. Results go to
 * bench/results/<timestamp>.json; full runs also refresh docs/benchmarks.md.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { clientAdapters } from './clients/index.ts'
import { parseOptions, UsageError, type Options } from './lib/cli.ts'
import { updateDocsPage } from './lib/docs-page.ts'
import { DRIVER_HEAP_FLAGS } from './lib/driver-heap.ts'
import { describeCoreHops, measureCoreHops, type CoreHops } from './lib/core-hops.ts'
import { machineInfo, packageVersions, type MachineInfo } from './lib/machine.ts'
import { pinSelf, stopPinning } from './lib/processes.ts'
import { createPrng } from './lib/prng.ts'
import { buildRows, formatMarkdown, formatText, type RunRecord } from './lib/report.ts'
import { now, sleep, withTimeout } from './lib/time.ts'
import { scenariosFor } from './scenarios/index.ts'
import type { Scenario, StartOptions } from './scenarios/types.ts'
import { serverAdapters } from './servers/index.ts'
import { REPO_ROOT } from './servers/server-process.ts'
import { OURS, type ServerHandle, type ServerName } from './servers/types.ts'

const DOCS_INTRO = `# Benchmarks

Loresync beside Hocuspocus, y-websocket and y-socket.io (issue 6). Run \`npm run bench\` (about
half an hour) or \`npm run bench -- --quick\` (about a minute, a smoke test that asserts nothing).
`

const readRecords = (file: string): RunRecord[] => {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { records?: unknown }
  if (!Array.isArray(parsed.records)) throw new UsageError(`${file} has no records to merge`)
  return parsed.records as RunRecord[]
}

const log = (message: string): void => {
  console.error(`[${new Date().toISOString().slice(11, 19)}] ${message}`)
}

/** One scenario against one server, bounded by the scenario's time limit; always cleans up. */
const runOnce = async (
  scenario: Scenario,
  server: ServerName,
  repeat: number,
  options: Options,
): Promise<RunRecord> => {
  const label = `${scenario.provides.join('+')} ${server} #${repeat + 1}`
  const dataDir = await mkdtemp(path.join(tmpdir(), `loresync-bench-${server}-`))
  const directory = new Map<string, string>()
  const handles: ServerHandle[] = []
  const cleanups: (() => Promise<void>)[] = []
  const startedAt = now()
  const context = {
    quick: options.quick,
    repeat,
    prng: createPrng(options.seed).fork(`${scenario.provides.join('+')}/${repeat}`),
    serverName: server,
    client: clientAdapters[server],
    async startServer(start: StartOptions = {}): Promise<ServerHandle> {
      const nodeFlags =
        options.cpuProfileDir && server === OURS
          ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(options.cpuProfileDir)}`]
          : []
      const handle = await serverAdapters[server].start({
        dataDir,
        directory,
        synchronous: start.synchronous ?? 'normal',
        nodeFlags,
      })
      handles.push(handle)
      return handle
    },
    defer(cleanup: () => void | Promise<void>): () => Promise<void> {
      let done: Promise<void> | undefined
      const once = (): Promise<void> => (done ??= Promise.resolve().then(cleanup))
      cleanups.push(once)
      return once
    },
    log: (message: string) => log(`  ${label}: ${message}`),
  }
  log(`${label}: ${scenario.title}`)
  try {
    const metrics = await withTimeout(
      scenario.run(context),
      scenario.timeLimitMs(options.quick),
      label,
    )
    const seconds = (now() - startedAt) / 1000
    log(`${label}: done in ${seconds.toFixed(1)} s`)
    return { scenario: scenario.provides.join('+'), server, repeat, seconds, metrics }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    log(`${label}: FAILED: ${message}`)
    return {
      scenario: scenario.provides.join('+'),
      server,
      repeat,
      seconds: (now() - startedAt) / 1000,
      metrics: {},
      error: message,
    }
  } finally {
    for (const cleanup of cleanups) {
      await cleanup().catch((error: unknown) => log(`${label}: clean-up failed: ${String(error)}`))
    }
    await Promise.all(handles.map((handle) => handle.stop()))
    await rm(dataDir, { recursive: true, force: true })
    // Let closed sockets drain before the next server starts.
    await sleep(200)
  }
}

/** Measured before any server starts, on a quiet machine; a failure only leaves it out. */
const coreHopsOrNull = async (quick: boolean): Promise<CoreHops | null> => {
  try {
    return await measureCoreHops(quick ? 40 : 200, REPO_ROOT)
  } catch (error) {
    log(`the round trip between the cores could not be measured: ${String(error)}`)
    return null
  }
}

const main = async (): Promise<number> => {
  const options = parseOptions(process.argv.slice(2), process.env)
  // A profile of a pinned server is wrong (stopPinning); CPU figures of a profiled run are not
  // comparable anyway.
  if (options.cpuProfileDir) stopPinning()
  const pinned = pinSelf()
  const machine: MachineInfo = { ...machineInfo(), coreHops: await coreHopsOrNull(options.quick) }
  // y-websocket's provider adds a process 'exit' listener per document; hundreds are expected here.
  process.setMaxListeners(0)
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`
  log(
    `${command}: ${machine.nproc} cores, ${machine.cpuModel}, Node ${machine.node}, ` +
      `clients ${pinned ? 'pinned to core 1' : 'not pinned'}, SEED=${options.seed}`,
  )
  if (!machine.driverHeapControlled) {
    log(
      `the driver runs without ${DRIVER_HEAP_FLAGS.join(' ')} (npm run bench sets them): ` +
        'its full garbage collections may fall into measured windows',
    )
  }
  if (machine.coreHops)
    log(`idle round trip between the cores: ${describeCoreHops(machine.coreHops)}`)
  if (options.cpuProfileDir) mkdirSync(options.cpuProfileDir, { recursive: true })
  const records: RunRecord[] = []
  for (const scenario of scenariosFor(options.scenarios)) {
    const servers = options.servers.filter(
      (server) => !scenario.only || scenario.only.includes(server),
    )
    const repeats = Math.min(options.repeats, scenario.maxRepeats ?? options.repeats)
    for (let repeat = 0; repeat < repeats; repeat++) {
      // Rotate the order each repeat so no server always runs first (or last) on a warm machine.
      const order = servers.map((_, i) => servers[(i + repeat) % servers.length] as ServerName)
      for (const server of order) records.push(await runOnce(scenario, server, repeat, options))
    }
  }

  if (options.merge) {
    // Re-running some scenarios: the earlier file supplies every scenario not run now.
    const ran = new Set(records.map((record) => record.scenario))
    const earlier = readRecords(options.merge).filter((record) => !ran.has(record.scenario))
    log(`merged ${earlier.length} runs from ${options.merge}`)
    records.unshift(...earlier)
  }
  const rows = buildRows(records, options.servers)
  const asserted = !options.quick
  console.log()
  console.log(formatText(rows, options.servers, asserted))
  const errors = records
    .filter((record) => record.error !== undefined)
    .map(
      (record) =>
        `${record.scenario} ${record.server} #${record.repeat + 1}: ${record.error ?? ''}`,
    )
  if (errors.length > 0)
    console.log(`\nFailed runs:\n${errors.map((error) => `  ${error}`).join('\n')}`)

  const timestamp = new Date().toISOString()
  const resultsDir = path.join(REPO_ROOT, 'bench', 'results')
  mkdirSync(resultsDir, { recursive: true })
  const resultsFile = path.join(resultsDir, `${timestamp.replace(/[:.]/g, '-')}.json`)
  const versions = packageVersions(REPO_ROOT)
  writeFileSync(
    resultsFile,
    `${JSON.stringify({ timestamp, command, options, machine, versions, records, rows }, null, 2)}\n`,
  )
  log(`results written to ${path.relative(REPO_ROOT, resultsFile)}`)
  if (!options.quick) {
    await updateDocsPage(
      path.join(REPO_ROOT, 'docs', 'benchmarks.md'),
      {
        table: formatMarkdown(rows, options.servers, asserted),
        machine,
        versions,
        command,
        timestamp,
        repeats: options.repeats,
        seed: options.seed,
        resultsFile: path.relative(REPO_ROOT, resultsFile),
        errors,
      },
      DOCS_INTRO,
    )
    log('docs/benchmarks.md updated')
  }
  // Targets are reported, not asserted through the exit code; a run that failed to measure is.
  return errors.length > 0 ? 1 : 0
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(error.message)
      process.exit(2)
    }
    console.error('bench failed:', error)
    process.exit(1)
  },
)
