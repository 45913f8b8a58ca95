import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { afterEach, expect, it } from 'vitest'
import * as Y from 'yjs'
import { encodeSeedUpdate, getTags, type ElementSeed } from '../../../shared/element-doc.ts'
import { LOCK_SPACE_COMPACTION } from '../../../server/storage/postgres/locks.ts'
import {
  openPostgresStore,
  type PostgresStore,
} from '../../../server/storage/postgres/postgres-store.ts'
import { SCHEMA_VERSION } from '../../../server/storage/postgres/schema.ts'
import type { ElementRecord, WorldRecord } from '../../../server/storage/store.ts'
import {
  TEST_DATABASE_URL,
  describeWithServices,
  dropSchema,
  probePostgres,
  uniqueName,
} from '../../helpers/services.ts'
import { describeAccountStoreContract } from './account-store-contract.ts'
import { describeStoreContract } from './store-contract.ts'

const postgres = await probePostgres()

const SEED: ElementSeed = { kind: 'location', name: 'Harrow', summary: 'A port town.' }
const T0 = '2024-05-01T10:00:00.000Z'
const T1 = '2024-05-01T10:05:00.000Z'

/** A query on a connection of its own: what another node, or an operator, sees. */
const inspect = async <T extends pg.QueryResultRow>(
  schema: string,
  sql: string,
  values: unknown[] = [],
): Promise<T[]> => {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL })
  await client.connect()
  try {
    await client.query(`SET search_path = ${schema}`)
    return (await client.query<T>(sql, values)).rows
  } finally {
    await client.end()
  }
}

describeWithServices('PostgresStore', postgres, () => {
  // Every store gets a schema of its own, dropped afterwards: runs never see each other's rows.
  const makeStore = async () => {
    const schema = uniqueName('loresync_test')
    const store = await openPostgresStore({ url: TEST_DATABASE_URL, schema, poolSize: 4 })
    return {
      store,
      cleanup: async () => {
        await store.close()
        await dropSchema(schema)
      },
    }
  }
  describeStoreContract('PostgresStore', makeStore)
  describeAccountStoreContract('PostgresStore', makeStore)

  const schemas: string[] = []
  const stores: PostgresStore[] = []

  const open = async (schema: string, poolSize = 4): Promise<PostgresStore> => {
    if (!schemas.includes(schema)) schemas.push(schema)
    const store = await openPostgresStore({ url: TEST_DATABASE_URL, schema, poolSize })
    stores.push(store)
    return store
  }

  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close()
    for (const schema of schemas.splice(0)) await dropSchema(schema)
  })

  const populate = async (store: PostgresStore) => {
    const world: WorldRecord = { id: randomUUID(), name: 'Aster', createdAt: T0 }
    const element: ElementRecord = { id: randomUUID(), worldId: world.id, ...SEED, updatedAt: T0 }
    const seedUpdate = encodeSeedUpdate(SEED)
    await store.createWorld(world)
    await store.createElement(element, seedUpdate)
    const doc = new Y.Doc()
    Y.applyUpdate(doc, seedUpdate)
    return { world, element, doc }
  }

  const tag = (doc: Y.Doc, text: string): Uint8Array => {
    const before = Y.encodeStateVector(doc)
    getTags(doc).push([text])
    return Y.encodeStateAsUpdate(doc, before)
  }

  it('migrates a new schema once when two nodes start at the same moment', async () => {
    const schema = uniqueName('loresync_test')
    const [a, b, c] = await Promise.all([open(schema), open(schema), open(schema)])
    const { element } = await populate(a)

    expect((await b.getElement(element.id))?.name).toBe(SEED.name)
    expect((await c.stats()).documents).toBe(1)
    const versions = await inspect<{ version: number }>(
      schema,
      'SELECT version FROM loresync_migrations ORDER BY version',
    )
    expect(versions.map((row) => row.version)).toEqual(
      Array.from({ length: SCHEMA_VERSION }, (_, index) => index + 1),
    )
  })

  it('keeps everything across close and reopen, and never reuses a seq', async () => {
    const schema = uniqueName('loresync_test')
    const first = await open(schema)
    const { element, doc } = await populate(first)
    const other = await populate(first)
    const { seqs } = await first.appendUpdates([
      { docId: element.id, update: tag(doc, 'a'), updatedAt: T1 },
      { docId: other.element.id, update: tag(other.doc, 'b'), updatedAt: T1 },
    ])
    const before = await first.loadDocument(element.id)
    await first.deleteElement(other.element.id)
    await first.close()

    const second = await open(schema)
    expect(await second.loadDocument(element.id)).toEqual(before)
    expect(await second.getElement(element.id)).toEqual({ ...element, updatedAt: T1 })
    const next = await second.appendUpdates([
      { docId: element.id, update: tag(doc, 'c'), updatedAt: T1 },
    ])
    expect(next.seqs[0]).toBeGreaterThan(seqs[1] ?? Infinity)
  })

  it('refuses a schema written by a newer build and leaves it alone', async () => {
    const schema = uniqueName('loresync_test')
    await (await open(schema)).close()
    await inspect(schema, 'INSERT INTO loresync_migrations (version) VALUES ($1)', [
      SCHEMA_VERSION + 1,
    ])

    await expect(open(schema)).rejects.toThrow(/newer Loresync/)
    const versions = await inspect<{ max: number }>(
      schema,
      'SELECT max(version) AS max FROM loresync_migrations',
    )
    expect(versions[0]?.max).toBe(SCHEMA_VERSION + 1)
  })

  it('refuses a schema name it would have to quote', async () => {
    await expect(
      openPostgresStore({ url: TEST_DATABASE_URL, schema: 'x"; DROP SCHEMA public; --' }),
    ).rejects.toThrow(/schema name/)
  })

  it('skips compaction while another node holds the document compaction lock', async () => {
    const schema = uniqueName('loresync_test')
    const store = await open(schema)
    const { element, doc } = await populate(store)
    await store.appendUpdates([{ docId: element.id, update: tag(doc, 'a'), updatedAt: T1 }])
    const stored = await store.loadDocument(element.id)
    const snapshot = Y.encodeStateAsUpdate(doc)

    const other = new pg.Client({ connectionString: TEST_DATABASE_URL })
    await other.connect()
    try {
      await other.query('BEGIN')
      await other.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
        LOCK_SPACE_COMPACTION,
        element.id,
      ])
      await store.compact({ docId: element.id, snapshot, throughSeq: stored?.lastSeq ?? 0 })
      expect(await store.countUpdates(element.id)).toBe(2)
      expect((await store.loadDocument(element.id))?.snapshot).toBeNull()
      await other.query('COMMIT')
    } finally {
      await other.end()
    }

    await store.compact({ docId: element.id, snapshot, throughSeq: stored?.lastSeq ?? 0 })
    expect(await store.countUpdates(element.id)).toBe(0)
  })

  it('makes a document seqs visible in order while two nodes append to it at once', async () => {
    const schema = uniqueName('loresync_test')
    const [a, b] = await Promise.all([open(schema), open(schema)])
    const { element, doc } = await populate(a)
    const update = (text: string) => ({ docId: element.id, update: tag(doc, text), updatedAt: T1 })

    // Each load claims "every row of this document up to lastSeq is in here". Check the claim
    // against the final table: no row below a loaded lastSeq may have committed after the load.
    const loads: { lastSeq: number; rows: number }[] = []
    const writer = async (store: PostgresStore, name: string) => {
      for (let round = 0; round < 40; round++) {
        await store.appendUpdates([update(`${name}${round}a`), update(`${name}${round}b`)])
      }
    }
    const reader = async () => {
      for (let round = 0; round < 60; round++) {
        const stored = await b.loadDocument(element.id)
        if (stored) loads.push({ lastSeq: stored.lastSeq, rows: stored.updates.length })
      }
    }
    await Promise.all([writer(a, 'a'), writer(b, 'b'), reader(), reader()])

    const seqs = (
      await inspect<{ seq: string }>(schema, 'SELECT seq FROM doc_updates WHERE doc_id = $1', [
        element.id,
      ])
    ).map((row) => Number(row.seq))
    expect(seqs).toHaveLength(161)
    for (const load of loads) {
      expect(seqs.filter((seq) => seq <= load.lastSeq)).toHaveLength(load.rows)
    }
  })

  it('deletes an element while another node appends to it, leaving no orphan rows', async () => {
    const schema = uniqueName('loresync_test')
    const [a, b] = await Promise.all([open(schema), open(schema)])
    const { element, doc } = await populate(a)
    const appends = Array.from({ length: 20 }, (_, index) =>
      a.appendUpdates([{ docId: element.id, update: tag(doc, `t${index}`), updatedAt: T1 }]),
    )
    const deleted = b.deleteElement(element.id)

    const results = await Promise.all(appends)
    expect(await deleted).toBe(true)
    for (const { seqs } of results) expect(seqs).toHaveLength(1)
    expect(await a.loadDocument(element.id)).toBeUndefined()
    expect(await inspect(schema, 'SELECT 1 FROM doc_updates')).toEqual([])
  })

  it('keeps its tables in its own schema', async () => {
    const schema = uniqueName('loresync_test')
    await open(schema)
    const tables = await inspect<{ table_name: string }>(
      schema,
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1',
      [schema],
    )
    expect(tables.map((row) => row.table_name)).toEqual([
      'doc_snapshots',
      'doc_updates',
      'elements',
      'health',
      'invites',
      'loresync_migrations',
      'members',
      'sessions',
      'users',
      'worlds',
    ])
  })
})
