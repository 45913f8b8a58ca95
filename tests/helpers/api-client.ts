/** Typed calls to the HTTP API for tests. */
import type { ElementDetail, ElementSummary, World } from '../../shared/api.ts'
import type { ElementKind } from '../../shared/element-kinds.ts'

const call = async <T>(url: string, init?: RequestInit): Promise<T> => {
  const response = await fetch(url, {
    ...init,
    headers: { 'content-type': 'application/json', ...init?.headers },
  })
  if (!response.ok)
    throw new Error(`${init?.method ?? 'GET'} ${url}: ${response.status} ${await response.text()}`)
  return (await response.json()) as T
}

export const createWorld = (base: string, name = 'Test world'): Promise<World> =>
  call(`${base}/api/worlds`, { method: 'POST', body: JSON.stringify({ name }) })

export const createElement = (
  base: string,
  worldId: string,
  body: { kind: ElementKind; name: string; summary?: string } = { kind: 'character', name: 'Aria' },
): Promise<ElementSummary> =>
  call(`${base}/api/worlds/${worldId}/elements`, { method: 'POST', body: JSON.stringify(body) })

export const getElement = (base: string, id: string): Promise<ElementDetail> =>
  call(`${base}/api/elements/${id}`)

export const listElements = (base: string, worldId: string): Promise<ElementSummary[]> =>
  call(`${base}/api/worlds/${worldId}/elements`)
