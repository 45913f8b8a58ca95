import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../server/config.ts'
import { DEFAULT_ABUSE_LIMITS } from '../../server/realtime/abuse-policy.ts'

describe('loadConfig', () => {
  it('uses the documented defaults when nothing is set', () => {
    const config = loadConfig({})
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      dataDir: path.resolve('./data'),
      logLevel: 'info',
      corsOrigins: [],
      sqliteSynchronous: 'full',
      sqliteWriterThread: false,
    })
    expect(Object.isFrozen(config)).toBe(true)
  })

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      DATA_DIR: '/tmp/lore',
      LOG_LEVEL: 'debug',
      CORS_ORIGINS: 'https://a.example, http://localhost:5173',
      SQLITE_SYNCHRONOUS: 'normal',
      SQLITE_WRITER_THREAD: 'on',
    })
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      dataDir: '/tmp/lore',
      logLevel: 'debug',
      corsOrigins: ['https://a.example', 'http://localhost:5173'],
      sqliteSynchronous: 'normal',
      sqliteWriterThread: true,
    })
    expect(() => loadConfig({ SQLITE_WRITER_THREAD: 'yes' })).toThrow(ConfigError)
  })

  it('reads the abuse limits, defaulting to the built-in ones', () => {
    expect(loadConfig({}).rateLimits).toEqual({
      socketMessages: DEFAULT_ABUSE_LIMITS.messagesPerSocket.points,
      addressMessages: DEFAULT_ABUSE_LIMITS.messagesPerAddress.points,
      connections: DEFAULT_ABUSE_LIMITS.connectionsPerAddress.points,
    })
    expect(
      loadConfig({
        RATE_LIMIT_SOCKET_MESSAGES: '50000',
        RATE_LIMIT_ADDRESS_MESSAGES: '60000',
        RATE_LIMIT_CONNECTIONS: '5000',
      }).rateLimits,
    ).toEqual({ socketMessages: 50_000, addressMessages: 60_000, connections: 5000 })
  })

  it.each([
    ['RATE_LIMIT_SOCKET_MESSAGES', '0'],
    ['RATE_LIMIT_ADDRESS_MESSAGES', 'many'],
    ['RATE_LIMIT_CONNECTIONS', '1.5'],
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['LOG_LEVEL', 'verbose'],
    ['SQLITE_SYNCHRONOUS', 'off'],
    ['CORS_ORIGINS', 'https://a.example/path'],
    ['CORS_ORIGINS', '*'],
  ])('refuses %s=%s with a message naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError)
    expect(() => loadConfig({ [name]: value })).toThrow(name)
  })
})
