import type { ElementKind } from '../../shared/element-kinds.ts'

export const KIND_LABELS: Readonly<Record<ElementKind, { one: string; many: string }>> = {
  character: { one: 'Character', many: 'Characters' },
  location: { one: 'Location', many: 'Locations' },
  item: { one: 'Item', many: 'Items' },
  faction: { one: 'Faction', many: 'Factions' },
  event: { one: 'Event', many: 'Events' },
  note: { one: 'Note', many: 'Notes' },
}
