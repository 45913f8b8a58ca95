import { describe, expect, it } from 'vitest'
import { ApiError, createApi } from '../../../client/api/http.ts'

const respond =
  (status: number, body: unknown, calls: Array<{ url: string; init?: RequestInit }> = []) =>
  async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    calls.push({ url: String(input), init })
    return new Response(body === undefined ? null : JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json' },
    })
  }

describe('http api', () => {
  it('sends JSON to the server URL and returns the shared shape', async () => {
    const calls: Array<{ url: string; init?: RequestInit }> = []
    const world = { id: 'w', name: 'Isles', createdAt: '2025-01-01T00:00:00.000Z' }
    const api = createApi('http://lore.test', respond(201, world, calls))
    await expect(api.createWorld({ name: 'Isles' })).resolves.toEqual(world)
    expect(calls[0]?.url).toBe('http://lore.test/api/worlds')
    expect(calls[0]?.init?.method).toBe('POST')
    expect(calls[0]?.init?.body).toBe('{"name":"Isles"}')
  })

  it('throws the server error code and message', async () => {
    const api = createApi(
      'http://lore.test',
      respond(404, { error: { code: 'not-found', message: 'no such element' } }),
    )
    const failure = await api.getElement('e').catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(ApiError)
    expect(failure).toMatchObject({ code: 'not-found', message: 'no such element', status: 404 })
  })

  it('resolves a 204 delete with nothing', async () => {
    const api = createApi('http://lore.test', respond(204, undefined))
    await expect(api.deleteElement('e')).resolves.toBeUndefined()
  })

  it('reports an unreachable server as a network error that says what to do', async () => {
    const api = createApi('http://lore.test', async () => {
      throw new TypeError('Failed to fetch')
    })
    await expect(api.listWorlds()).rejects.toMatchObject({
      code: 'network',
      message: expect.stringMatching(/try again/),
    })
  })

  it('falls back to the status line when the body is not an error payload', async () => {
    const api = createApi('http://lore.test', respond(502, 'Bad gateway'))
    await expect(api.listWorlds()).rejects.toMatchObject({ code: 'internal', status: 502 })
  })
})

describe('http api sessions', () => {
  it('refreshes an expired access token once and retries the call', async () => {
    const calls: string[] = []
    const answers = [401, 200, 200]
    const api = createApi('http://lore.test', async (input, init) => {
      calls.push(`${init?.method ?? 'GET'} ${String(input)}`)
      const status = answers.shift() ?? 500
      return new Response(
        status === 401 ? '{"error":{"code":"unauthenticated","message":"x"}}' : '[]',
        {
          status,
        },
      )
    })
    await expect(api.listWorlds()).resolves.toEqual([])
    expect(calls).toEqual([
      'GET http://lore.test/api/worlds',
      'POST http://lore.test/api/auth/refresh',
      'GET http://lore.test/api/worlds',
    ])
  })

  it('does not refresh after a failed sign-in: wrong credentials are not an expired token', async () => {
    const calls: string[] = []
    const api = createApi('http://lore.test', async (input) => {
      calls.push(String(input))
      return new Response(
        '{"error":{"code":"unauthenticated","message":"wrong username or password"}}',
        {
          status: 401,
        },
      )
    })
    await expect(api.login({ username: 'ada', password: 'nope nope nope' })).rejects.toMatchObject({
      code: 'unauthenticated',
      message: 'wrong username or password',
    })
    expect(calls).toEqual(['http://lore.test/api/auth/login'])
  })
})
