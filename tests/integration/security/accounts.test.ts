/**
 * Accounts and sessions over the real HTTP API: hashing, tokens, cookies, refresh, logout, the
 * login brake, the signing key on disk, and what reaches the logs.
 */
import { statSync } from 'node:fs'
import path from 'node:path'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuthSession } from '../../../shared/api.ts'
import { createLogger } from '../../../server/logger.ts'
import { request } from '../../helpers/api-client.ts'
import { registerUser, TEST_PASSWORD, uniqueUsername } from '../../helpers/auth.ts'
import { connectRaw } from '../../helpers/raw-socket.ts'
import { makeTempDir } from '../../helpers/temp-dir.ts'
import { startTestServer, type TestServer } from '../../helpers/test-server.ts'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer({
    authLimits: { failedLoginsPerUsername: { points: 3, seconds: 60 } },
  })
})
afterAll(() => server.close())

const me = (token: string) =>
  request<{ user: { id: string } }>({ url: server.url, token }, 'GET', '/api/auth/me')

describe('register and log in', () => {
  it('issues a session with a bearer token, a refresh token and HttpOnly SameSite cookies', async () => {
    const username = uniqueUsername('ilse')
    const response = await fetch(`${server.url}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: TEST_PASSWORD }),
    })
    expect(response.status).toBe(201)
    const session = (await response.json()) as AuthSession
    expect(session.user.username).toBe(username)
    expect(session.user.color).toMatch(/^#[0-9a-f]{6}$/)
    expect(JSON.stringify(session)).not.toContain(TEST_PASSWORD)
    const cookies = response.headers.getSetCookie()
    expect(cookies).toHaveLength(2)
    for (const cookie of cookies) {
      expect(cookie).toMatch(/HttpOnly/i)
      expect(cookie).toMatch(/SameSite=Lax/i)
    }
    expect((await me(session.token)).body.user.id).toBe(session.user.id)
  })

  it('refuses a taken username, whatever its case', async () => {
    const first = await registerUser(server.url)
    const again = await request(server.url, 'POST', '/api/auth/register', {
      username: first.username.toUpperCase(),
      password: TEST_PASSWORD,
    })
    expect(again.status).toBe(409)
    expect(again.body).toMatchObject({ error: { code: 'conflict' } })
  })

  it('answers a wrong password and an unknown user identically', async () => {
    const known = await registerUser(server.url)
    const wrong = await request(server.url, 'POST', '/api/auth/login', {
      username: known.username,
      password: 'not the password',
    })
    const unknown = await request(server.url, 'POST', '/api/auth/login', {
      username: uniqueUsername('ghost'),
      password: 'not the password',
    })
    expect(wrong).toEqual(unknown)
    expect(wrong.status).toBe(401)
  })

  it('brakes repeated failed logins for one username with rate-limited', async () => {
    const victim = await registerUser(server.url)
    const attempt = () =>
      request(server.url, 'POST', '/api/auth/login', {
        username: victim.username,
        password: 'guess-guess',
      })
    for (let i = 0; i < 3; i++) expect((await attempt()).status).toBe(401)
    expect((await attempt()).body).toMatchObject({ error: { code: 'rate-limited' } })
    // Even the right password waits out the window: the attacker cannot tell it was right.
    const right = await request(server.url, 'POST', '/api/auth/login', {
      username: victim.username,
      password: TEST_PASSWORD,
    })
    expect(right.status).toBe(429)
  })

  it('rejects bad credentials shapes with invalid-request', async () => {
    for (const body of [
      {},
      { username: 'ab', password: TEST_PASSWORD },
      { username: '../../etc/passwd', password: TEST_PASSWORD },
      { username: "x'; DROP TABLE users; --", password: TEST_PASSWORD },
      { username: 'a'.repeat(10_000), password: TEST_PASSWORD },
      { username: 42, password: TEST_PASSWORD },
      { username: 'valid-name', password: 'short' },
      { username: 'valid-name', password: 'p'.repeat(1000) },
      { username: 'valid-name', password: TEST_PASSWORD, admin: true },
    ]) {
      const response = await request(server.url, 'POST', '/api/auth/register', body)
      expect(response.status, JSON.stringify(body).slice(0, 80)).toBe(400)
      expect(response.body).toMatchObject({ error: { code: 'invalid-request' } })
    }
  })
})

describe('tokens and sessions', () => {
  it('refuses requests without a token, with a forged one, or with a refresh token', async () => {
    const user = await registerUser(server.url)
    expect((await request(server.url, 'GET', '/api/worlds')).status).toBe(401)
    const [header, payload] = user.token.split('.')
    const forged = `${header}.${payload}.${'A'.repeat(43)}`
    expect((await me(forged)).status).toBe(401)
    expect((await me(user.refreshToken)).status).toBe(401)
    const none = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')
    expect((await me(`${none}.${payload}.`)).status).toBe(401)
  })

  it('authenticates the browser by cookie', async () => {
    const user = await registerUser(server.url)
    const response = await request(server.url, 'GET', '/api/auth/me', undefined, {
      cookie: user.cookie,
    })
    expect(response.status).toBe(200)
  })

  it('refreshes once per refresh token; replaying a spent one ends the session', async () => {
    const user = await registerUser(server.url)
    const refreshed = await request<AuthSession>(server.url, 'POST', '/api/auth/refresh', {
      refreshToken: user.refreshToken,
    })
    expect(refreshed.status).toBe(200)
    expect((await me(refreshed.body.token)).status).toBe(200)
    const replay = await request(server.url, 'POST', '/api/auth/refresh', {
      refreshToken: user.refreshToken,
    })
    expect(replay.status).toBe(401)
    // The replay revoked the whole session: the tokens from the legitimate refresh are dead too.
    expect((await me(refreshed.body.token)).status).toBe(401)
  })

  it('answers a cookie refresh without tokens in the body', async () => {
    const user = await registerUser(server.url)
    const refreshCookie = user.cookie.split('; ').find((c) => c.startsWith('loresync_refresh='))!
    const response = await request<Record<string, unknown>>(
      server.url,
      'POST',
      '/api/auth/refresh',
      undefined,
      { cookie: refreshCookie },
    )
    expect(response.status).toBe(200)
    expect(Object.keys(response.body).sort()).toEqual(['expiresAt', 'user'])
  })

  it('logout revokes the tokens and disconnects the session’s sockets', async () => {
    const user = await registerUser(server.url)
    const socket = await connectRaw(server.url, { token: user.token })
    const disconnected = new Promise((resolve) => socket.once('disconnect', resolve))
    const out = await request({ url: server.url, token: user.token }, 'POST', '/api/auth/logout')
    expect(out.status).toBe(204)
    await disconnected
    expect((await me(user.token)).status).toBe(401)
    const refresh = await request(server.url, 'POST', '/api/auth/refresh', {
      refreshToken: user.refreshToken,
    })
    expect(refresh.status).toBe(401)
    await expect(connectRaw(server.url, { token: user.token })).rejects.toMatchObject({
      data: { code: 'unauthenticated' },
    })
  })
})

describe('the signing key', () => {
  it('is created in DATA_DIR with mode 0600 and reused after a restart', async () => {
    const dir = await makeTempDir()
    try {
      const first = await startTestServer({ dataDir: dir.path })
      expect(statSync(path.join(dir.path, 'auth-secret')).mode & 0o777).toBe(0o600)
      const user = await registerUser(first.url)
      await first.close()
      const second = await startTestServer({ dataDir: dir.path })
      try {
        expect(
          (await request({ url: second.url, token: user.token }, 'GET', '/api/auth/me')).status,
        ).toBe(200)
      } finally {
        await second.close()
      }
    } finally {
      await dir.remove()
    }
  })
})

describe('logs', () => {
  it('never contain passwords, tokens or cookies', async () => {
    let output = ''
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        output += chunk.toString()
        done()
      },
    })
    // The production logger (its redaction and serializers), writing everything to our sink.
    const logger = createLogger('trace', false, sink)
    const logged = await startTestServer({ logger })
    try {
      const user = await registerUser(logged.url)
      await request(logged.url, 'POST', '/api/auth/login', {
        username: user.username,
        password: TEST_PASSWORD,
      })
      await request(logged.url, 'POST', '/api/auth/login', {
        username: user.username,
        password: 'wrong-password',
      })
      await request({ url: logged.url, token: user.token }, 'GET', '/api/auth/me', undefined, {
        cookie: user.cookie,
      })
      await request(logged.url, 'POST', '/api/auth/refresh', { refreshToken: user.refreshToken })
      const invite = await request<{ token: string }>(
        { url: logged.url, token: user.token },
        'POST',
        `/api/worlds/${(await request<{ id: string }>({ url: logged.url, token: user.token }, 'POST', '/api/worlds', { name: 'W' })).body.id}/invites`,
        { role: 'viewer' },
      )
      await request(
        { url: logged.url, token: user.token },
        'POST',
        `/api/invites/${invite.body.token}/accept`,
      )
      // Opening the link in a browser first asks for the web app's page, which names the token too.
      const page = await fetch(`${logged.url}/invite/${invite.body.token}`)
      await page.body?.cancel()
      expect(output).toContain('/invite/[redacted]')
      expect(output.length).toBeGreaterThan(0)
      for (const secret of [
        TEST_PASSWORD,
        user.token,
        user.refreshToken,
        invite.body.token,
        ...user.cookie.split('; ').map((c) => c.split('=')[1]!),
      ]) {
        expect(output).not.toContain(secret)
      }
    } finally {
      await logged.close()
    }
  })
})
