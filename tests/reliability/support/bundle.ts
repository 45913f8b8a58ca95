/**
 * Bundles a child-process script once per test file. A bundled script starts in ~60 ms instead of
 * ~500 ms through tsx, which is what lets the crash loop kill a writer 200 times in the CI budget.
 * It lands under node_modules/.cache so its native dependencies resolve from the project.
 */
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { build } from 'esbuild'

const CACHE = path.resolve('node_modules/.cache/loresync-tests')

export const bundleScript = async (entry: string, name: string): Promise<string> => {
  mkdirSync(CACHE, { recursive: true })
  const outfile = path.join(CACHE, `${name}-${process.pid}.mjs`)
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
