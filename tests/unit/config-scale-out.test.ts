import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../server/config.ts'

const SECRET = 'a-shared-signing-key-of-at-least-32-characters'

describe('loadConfig: scale-out settings', () => {
  it('keeps SQLite and single-node mode when nothing is set', () => {
    expect(loadConfig({})).toMatchObject({
      databaseUrl: null,
      databaseSchema: 'public',
      databasePoolSize: 10,
      redisUrl: null,
      redisKeyPrefix: 'loresync',
    })
  })

  it('reads the PostgreSQL and Redis settings', () => {
    expect(
      loadConfig({
        DATABASE_URL: 'postgresql://lore:secret@db.internal:5432/lore',
        DATABASE_SCHEMA: 'tenant_7',
        DATABASE_POOL_SIZE: '25',
        REDIS_URL: 'rediss://cache.internal:6380',
        REDIS_KEY_PREFIX: 'lore:prod',
        AUTH_SECRET: SECRET,
      }),
    ).toMatchObject({
      databaseUrl: 'postgresql://lore:secret@db.internal:5432/lore',
      databaseSchema: 'tenant_7',
      databasePoolSize: 25,
      redisUrl: 'rediss://cache.internal:6380',
      redisKeyPrefix: 'lore:prod',
    })
  })

  it.each([
    ['DATABASE_URL', 'mysql://db/lore'],
    ['DATABASE_URL', 'not a url'],
    ['DATABASE_SCHEMA', 'Public; DROP'],
    ['DATABASE_POOL_SIZE', '0'],
    ['REDIS_URL', 'http://cache:6379'],
    ['REDIS_KEY_PREFIX', 'has space'],
  ])('refuses %s=%s with a message naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError)
    expect(() => loadConfig({ [name]: value })).toThrow(name)
  })

  it('refuses multi-node mode without a shared AUTH_SECRET', () => {
    const env = { REDIS_URL: 'redis://cache:6379' }
    expect(() => loadConfig(env)).toThrow(ConfigError)
    expect(() => loadConfig(env)).toThrow(/AUTH_SECRET.*REDIS_URL/)
    expect(loadConfig({ ...env, AUTH_SECRET: SECRET }).authSecret).toBe(SECRET)
  })
})
