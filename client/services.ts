/**
 * What the composition root (main.ts) hands to the component tree: the one collaboration client,
 * the HTTP API and the configuration. Components reach them through `useServices()`.
 */
import { inject, type InjectionKey } from 'vue'
import type { Api } from './api/http.ts'
import type { CollabClient } from './collab/collab-client.ts'
import type { AppConfig } from './config.ts'

export interface Services {
  readonly collab: CollabClient
  readonly api: Api
  readonly config: AppConfig
}

export const SERVICES: InjectionKey<Services> = Symbol('loresync-services')

export const useServices = (): Services => {
  const services = inject(SERVICES)
  if (!services) {
    throw new Error('Loresync services are missing: provide them with app.provide(SERVICES, …).')
  }
  return services
}
