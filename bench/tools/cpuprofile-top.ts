/**
 * `tsx bench/tools/cpuprofile-top.ts <file.cpuprofile> [N]`: the functions with the most self time
 * in a V8 CPU profile (as written by `node --cpu-prof`, e.g. `npm run bench -- --cpu-prof`), and
 * the same time grouped by package, for docs/benchmarks.md.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'

interface CallFrame {
  readonly functionName: string
  readonly url: string
  readonly lineNumber: number
}

interface ProfileNode {
  readonly id: number
  readonly callFrame: CallFrame
}

interface Profile {
  readonly nodes: readonly ProfileNode[]
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

const isProfile = (value: unknown): value is Profile =>
  typeof value === 'object' &&
  value !== null &&
  Array.isArray((value as Profile).nodes) &&
  Array.isArray((value as Profile).samples) &&
  Array.isArray((value as Profile).timeDeltas)

/** node_modules/<pkg> (scoped or not), our own top folder, or a V8/Node pseudo-frame. */
const packageOf = (url: string): string => {
  if (url === '') return '(native/V8)'
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (modules?.[1]) return modules[1]
  if (url.startsWith('node:')) return 'node (core)'
  const own = /\/(server|shared|client|bench)\//.exec(url)
  return own?.[1] ? `loresync ${own[1]}/` : url
}

const main = (): void => {
  const [file, countArg] = process.argv.slice(2)
  if (!file) {
    console.error('usage: tsx bench/tools/cpuprofile-top.ts <file.cpuprofile> [N]')
    process.exit(2)
  }
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'))
  if (!isProfile(parsed)) throw new Error(`${file} is not a V8 CPU profile`)
  const byId = new Map(parsed.nodes.map((node) => [node.id, node]))
  const self = new Map<number, number>()
  let total = 0
  let idle = 0
  parsed.samples.forEach((id, index) => {
    const delta = parsed.timeDeltas[index] ?? 0
    // Percentages are of busy time: an idle server is not a hot spot.
    if (byId.get(id)?.callFrame.functionName === '(idle)') {
      idle += delta
      return
    }
    self.set(id, (self.get(id) ?? 0) + delta)
    total += delta
  })
  const functions = new Map<string, number>()
  const packages = new Map<string, number>()
  for (const [id, micros] of self) {
    const frame = byId.get(id)?.callFrame
    if (!frame) continue
    const where = frame.url ? `${path.basename(frame.url)}:${frame.lineNumber + 1}` : ''
    const key = `${frame.functionName || '(anonymous)'} ${where} [${packageOf(frame.url)}]`
    functions.set(key, (functions.get(key) ?? 0) + micros)
    const pkg = packageOf(frame.url)
    packages.set(pkg, (packages.get(pkg) ?? 0) + micros)
  }
  const count = Number(countArg ?? 25)
  const percent = (micros: number): string => `${((100 * micros) / total).toFixed(1)} %`
  const top = (map: Map<string, number>, n: number): [string, number][] =>
    [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, n)
  console.log(
    `${file}: ${(total / 1e6).toFixed(1)} s busy, ${(idle / 1e6).toFixed(1)} s idle\n\nself time by function (of busy time):`,
  )
  for (const [key, micros] of top(functions, count))
    console.log(`  ${percent(micros).padStart(7)}  ${key}`)
  console.log('\nself time by package:')
  for (const [key, micros] of top(packages, 15))
    console.log(`  ${percent(micros).padStart(7)}  ${key}`)
}

main()
