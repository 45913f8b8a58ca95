import { randomBytes } from 'node:crypto'
import * as prng from 'lib0/prng'
import { it } from 'vitest'
import { startNode } from '../scripts/cluster-nodes.ts'
import { createElement, createWorld } from './helpers/api-client.ts'
import { registerUser } from './helpers/auth.ts'
import { Replica } from './helpers/replica.ts'
import { uniqueName } from './helpers/services.ts'
import { readTags } from '../shared/element-doc.ts'

it('dbg', async () => {
  const schema = uniqueName('loresync_dbg')
  const authSecret = randomBytes(32).toString('base64url')
  const nodes = []
  for (let i = 0; i < 2; i++) nodes.push(await startNode({ databaseUrl: 'postgres://postgres@127.0.0.1:5432/test', databaseSchema: schema, redisUrl: 'redis://127.0.0.1:6379', redisKeyPrefix: schema, authSecret, env: { PASSWORD_HASH_COST: '10' }, logLevel: 'debug', onLog: (l) => { if (!l.includes('"level":20') && !l.includes('request completed') && !l.includes('incoming request')) console.log(i, l.slice(0, 600)) } }))
  const owner = await registerUser(nodes[0]!.url)
  const api = { url: nodes[0]!.url, token: owner.token }
  const world = await createWorld(api)
  const el = await createElement(api, world.id)
  const all = [0,1,2,3].map((i) => new Replica(`c${i}`, el.id, owner.token))
  await Promise.all(all.map((r, i) => r.connect(nodes[i % 2]!.url)))
  for (const r of all) (r as any).socket.on('disconnect', (reason: unknown, d: unknown) => console.log(r.name, 'disconnect', reason, JSON.stringify(d)))
  for (const r of all) (r as any).socket.on('doc:error', (...x: unknown[]) => console.log(r.name, 'err', JSON.stringify(x)))
  const gen = prng.create(11)
  const fails: string[] = []
  await Promise.all(all.map(async (r) => {
    for (let index = 0; index < 15; index++) {
      const burst = prng.int32(gen, 1, 4)
      const res = await Promise.all(Array.from({ length: burst }, (_, b) => r.addTag(`${r.name}:${index}.${b}`)))
      if (res.some((x) => !x)) fails.push(`${r.name}:${index}`)
    }
  }))
  console.log('fails', fails)
  await new Promise((r) => setTimeout(r, 3000))
  for (const r of all) console.log(r.name, r.connected, readTags(r.doc).length, r.acked.size)
  for (const n of nodes) await n.stop()
}, 120000)
