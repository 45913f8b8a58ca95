/**
 * `node --import tsx bench/tools/instructions.ts [--servers loresync,y-websocket] [--rate 20]
 * [--seconds 20] [--warmup 120] [--seed N] [--dumps dir]`: the instructions each server executes
 * per edit under T2's shape of load (20 elements × 5 clients, all typing), counted by valgrind's
 * callgrind, V8's optimising compiler left out.
 *
 * Why: a server's CPU time at T2's 1,000 edits/s moves ±20 % from one repeat to the next on these
 * machines; instructions executed do not depend on what else the machine is doing. What they do
 * not say, and why this is a probe and not a target (docs/benchmarks.md, "Counting
 * instructions"): under callgrind a server runs about fifty times slower, so the load is 20
 * edits/s, a fiftieth of T2's reference step, where nothing is batched (a commit per edit); the
 * kernel's part (socket writes, fsync) is not counted; and V8 is still optimising after minutes
 * of warm-up, so the compiler's jobs are subtracted, and how far that leaves each server from
 * its steady state moves the figure by tens of percent from one run to the next.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { clientAdapters } from '../clients/index.ts'
import { docName } from '../lib/documents.ts'
import { createPrng } from '../lib/prng.ts'
import { waitFor } from '../lib/time.ts'
import { TypingWorkload } from '../lib/typing.ts'
import { serverAdapters } from '../servers/index.ts'
import { isServerName, OURS, type ServerName } from '../servers/types.ts'

const ELEMENTS = 20
const CLIENTS_PER_ELEMENT = 5

const usage = (message: string): never => {
  console.error(message)
  process.exit(2)
}

const parseOptions = () =>
  parseArgs({
    options: {
      servers: { type: 'string', default: 'loresync,y-websocket' },
      rate: { type: 'string', default: '20' },
      seconds: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '120' },
      seed: { type: 'string', default: process.env.SEED ?? '1' },
      // Where to keep the dumps (for callgrind_annotate); by default they go with the data folder.
      dumps: { type: 'string' },
    },
  })

const parsed = (): ReturnType<typeof parseOptions> => {
  try {
    return parseOptions()
  } catch (error) {
    // parseArgs throws a TypeError naming the option; a stack trace would bury it.
    return usage(error instanceof Error ? error.message : String(error))
  }
}

const { values } = parsed()

const positive = (name: string, text: string): number => {
  const value = Number(text)
  if (!Number.isFinite(value) || value <= 0)
    usage(`--${name} must be a positive number, not "${text}"`)
  return value
}

const servers = values.servers.split(',').map((name) => name.trim())
const unknown = servers.filter((name) => !isServerName(name))
if (unknown.length > 0) usage(`unknown server ${unknown.join(', ')}`)
const rate = positive('rate', values.rate)
const seconds = positive('seconds', values.seconds)
const warmup = positive('warmup', values.warmup)
const seed = positive('seed', values.seed)

if (spawnSync('valgrind', ['--version'], { stdio: 'ignore' }).status !== 0) {
  usage('valgrind is not installed (apt-get install -y valgrind)')
}

/**
 * The environment vgdb needs to find `pid`: valgrind names its pipes after the guest's USER and
 * HOST variables, and vgdb looks for them under its own. Loresync's server is configured with
 * HOST=127.0.0.1, so ours must say the same.
 */
const envMatching = (pid: number): NodeJS.ProcessEnv => {
  const guest = new Map(
    readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
  )
  const env = { ...process.env }
  for (const name of ['USER', 'LOGNAME', 'HOST']) {
    const value = guest.get(name)
    if (value === undefined) delete env[name]
    else env[name] = value
  }
  return env
}

/**
 * callgrind_control talks to the running tool through vgdb and exits 0 whatever happened; "OK."
 * says only that it found the process, so the caller also waits for what the command does.
 */
const control = (flag: '-z' | '-d', pid: number): void => {
  const result = spawnSync('callgrind_control', [flag, String(pid)], {
    encoding: 'utf8',
    env: envMatching(pid),
  })
  if (result.status !== 0 || !/^\s*OK\.$/m.test(result.stdout) || /error/i.test(result.stderr)) {
    throw new Error(`callgrind_control ${flag} ${pid} failed: ${result.stdout}${result.stderr}`)
  }
}

/** The `totals:` (or `summary:`) line of a callgrind dump, or null while it is not written. */
const totalIn = async (file: string): Promise<number | null> => {
  const text = await readFile(file, 'utf8').catch(() => '')
  const line = /^(?:totals|summary): (\d+)/m.exec(text)
  return line?.[1] ? Number(line[1]) : null
}

/**
 * What V8's optimising compiler spent in a dump: its worker threads' compile jobs, inclusive. Under
 * callgrind the server runs tens of times fewer edits per second than T2 types, so however long
 * the warm-up, the window still holds TurboFan compiling the hot path (most of its instructions,
 * in the first runs). A server that runs for days has long finished that: it is left out. GC,
 * on whichever thread, stays in: it is what the edits' allocations cost.
 */
const compilingIn = (file: string): number => {
  const result = spawnSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', file], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  })
  if (result.status !== 0) throw new Error(`callgrind_annotate ${file} failed: ${result.stderr}`)
  const line = result.stdout
    .split('\n')
    .find((text) => text.includes('OptimizingCompileDispatcher::CompileTask::RunInternal'))
  return line ? Number(/^\s*([\d,]+)/.exec(line)?.[1]?.replaceAll(',', '') ?? 0) : 0
}

interface Count {
  readonly instructions: number
  readonly compiling: number
  readonly seconds: number
}

/** Instructions the server executes while `during` runs (counters zeroed, then dumped). */
const countWhile = async (
  pid: number,
  dir: string,
  index: number,
  during: () => Promise<void>,
): Promise<Count> => {
  control('-z', pid)
  const start = performance.now()
  await during()
  control('-d', pid)
  const seconds = (performance.now() - start) / 1000
  // The server's own thread writes the dump after callgrind_control returns: no event says when.
  const file = path.join(dir, `callgrind.${pid}.${index}`)
  let instructions: number | null = null
  await waitFor(async () => (instructions = await totalIn(file)) !== null, 120_000, file, 200)
  return { instructions: instructions ?? 0, compiling: compilingIn(file), seconds }
}

const measure = async (server: ServerName): Promise<number> => {
  const dataDir = await mkdtemp(path.join(tmpdir(), `loresync-instructions-${server}-`))
  const dumpDir = values.dumps
    ? path.resolve(values.dumps, server)
    : path.join(dataDir, 'callgrind')
  await mkdir(dumpDir, { recursive: true })
  process.env.BENCH_SERVER_WRAPPER = [
    'valgrind',
    '--tool=callgrind',
    // V8 writes and rewrites machine code in its heap: without this valgrind runs stale code.
    '--smc-check=all-non-file',
    '--collect-atstart=yes',
    `--callgrind-out-file=${dumpDir}/callgrind.%p`,
  ].join(' ')
  const handle = await serverAdapters[server].start({
    dataDir,
    directory: new Map(),
    synchronous: 'normal',
  })
  try {
    const prng = createPrng(seed).fork(`instructions/${server}`)
    const names = Array.from({ length: ELEMENTS }, (_, i) => docName('instr', server, i))
    const layout = {
      names,
      clientsPerElement: CLIENTS_PER_ELEMENT,
      typistsPerElement: CLIENTS_PER_ELEMENT,
    }
    const workload = await TypingWorkload.open(
      clientAdapters[server],
      handle,
      layout,
      prng,
      600_000,
    )
    try {
      const perTypist = rate / workload.typistCount
      // Long enough for V8 to optimise the hot path: its tiers count calls, not seconds.
      await workload.type(perTypist, warmup * 1000, false)
      await workload.drain(60_000)
      workload.takeWindow(1)
      const typing = await countWhile(handle.pid, dumpDir, 1, async () => {
        await workload.type(perTypist, seconds * 1000, true)
        await workload.drain(60_000)
      })
      const window = workload.takeWindow(seconds)
      if (window.deliveredPairs < window.expectedPairs) {
        throw new Error(
          `${server} delivered ${window.deliveredPairs} of ${window.expectedPairs}: lower --rate`,
        )
      }
      const steady = typing.instructions - typing.compiling
      console.log(
        `${server}: ${window.edits} edits in ${typing.seconds.toFixed(1)} s, ` +
          `${(typing.instructions / 1e6).toFixed(0)} M instructions, of which TurboFan ` +
          `${(typing.compiling / 1e6).toFixed(0)} M (left out)`,
      )
      return steady / window.edits
    } finally {
      workload.close()
    }
  } finally {
    await handle.stop()
    delete process.env.BENCH_SERVER_WRAPPER
    await rm(dataDir, { recursive: true, force: true })
  }
}

const perEdit = new Map<ServerName, number>()
for (const server of servers.filter(isServerName)) {
  try {
    const value = await measure(server)
    perEdit.set(server, value)
    console.log(`${server}: ${(value / 1000).toFixed(1)} k instructions per edit`)
  } catch (error) {
    console.error(`${server}: ${error instanceof Error ? error.message : String(error)}`)
    console.error(`replay with SEED=${seed}`)
    process.exitCode = 1
  }
}
const ours = perEdit.get(OURS)
for (const [server, value] of perEdit) {
  if (server !== OURS && ours !== undefined) {
    console.log(`${OURS} ÷ ${server}: ${(ours / value).toFixed(3)}×`)
  }
}
// The peers' providers leave timers and exit hooks behind them (bench/run.ts exits the same way).
process.exit(process.exitCode ?? 0)
