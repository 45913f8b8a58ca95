export const ELEMENT_KINDS = ['character', 'location', 'item', 'faction', 'event', 'note'] as const

export type ElementKind = (typeof ELEMENT_KINDS)[number]

export const isElementKind = (value: unknown): value is ElementKind =>
  typeof value === 'string' && (ELEMENT_KINDS as readonly string[]).includes(value)
