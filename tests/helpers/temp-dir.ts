import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'

export interface TempDir {
  readonly path: string
  remove(): Promise<void>
}

export const makeTempDir = async (prefix = 'loresync-'): Promise<TempDir> => {
  const dir = await mkdtemp(path.join(tmpdir(), prefix))
  return { path: dir, remove: () => rm(dir, { recursive: true, force: true }) }
}
