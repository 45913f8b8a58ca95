/**
 * Bundles a child-process script once per test file. A bundled script starts in ~60 ms instead of
 * ~500 ms through tsx, which is what lets the crash loop kill a writer 200 times in the CI budget.
 * It lands under node_modules/.cache so its native dependencies resolve from the project.
 *
 * Each bundle gets a folder of its own holding copies of the SQLite writer thread's files: the
 * store starts that worker from `new URL('./writer-worker.mjs', import.meta.url)`, which esbuild
 * leaves as it is, so it resolves next to the bundle.
 */
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { build } from 'esbuild'

const CACHE = path.resolve('node_modules/.cache/loresync-tests')
const WRITER_WORKER_DIR = path.resolve('server/storage/sqlite')

export const bundleScript = async (entry: string, name: string): Promise<string> => {
  const dir = path.join(CACHE, `${name}-${process.pid}`)
  mkdirSync(dir, { recursive: true })
  for (const file of readdirSync(WRITER_WORKER_DIR).filter((f) => f.endsWith('.mjs'))) {
    copyFileSync(path.join(WRITER_WORKER_DIR, file), path.join(dir, file))
  }
  const outfile = path.join(dir, `${name}.mjs`)
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['better-sqlite3'],
    logLevel: 'error',
  })
  return outfile
}
