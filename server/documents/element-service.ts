/**
 * Elements as the HTTP API sees them (worlds, and who may see what: server/access/). Creating an
 * element seeds its Y.Doc here, on the server, in the same transaction that stores the row;
 * reading one reads its Y.Doc (the open room when there is one, else a document built from
 * storage).
 */
import { randomUUID } from 'node:crypto'
import * as Y from 'yjs'
import type { CreateElementBody, ElementDetail, ElementSummary } from '../../shared/api.ts'
import { encodeSeedUpdate, getBody, readContent } from '../../shared/element-doc.ts'
import type { RoomRegistry } from '../rooms/room-registry.ts'
import type { DocumentStore } from '../storage/store.ts'
import { bodyToProseMirrorJSON } from './body-json.ts'

export interface ElementServiceOptions {
  readonly store: DocumentStore
  readonly registry: RoomRegistry
  readonly onCreated: (element: ElementSummary) => void
  /** Called after the element is gone from storage: close its room and tell the world. */
  readonly onDeleted: (element: { id: string; worldId: string }) => void
}

export class ElementService {
  constructor(private readonly options: ElementServiceOptions) {}

  listElements(worldId: string): Promise<ElementSummary[]> {
    return this.options.store.listElements(worldId)
  }

  async createElement(worldId: string, body: CreateElementBody): Promise<ElementSummary> {
    const element: ElementSummary = {
      id: randomUUID(),
      worldId,
      kind: body.kind,
      name: body.name,
      summary: body.summary ?? '',
      updatedAt: new Date().toISOString(),
    }
    await this.options.store.createElement(element, encodeSeedUpdate(element))
    this.options.onCreated(element)
    return element
  }

  async readElement(id: string): Promise<ElementDetail | undefined> {
    const record = await this.options.store.getElement(id)
    if (!record) return undefined
    const room = this.options.registry.get(id)
    if (room) return detailOf(record, room.doc)
    const stored = await this.options.store.loadDocument(id)
    if (!stored) return undefined
    const doc = new Y.Doc()
    try {
      if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot)
      for (const update of stored.updates) Y.applyUpdate(doc, update)
      return detailOf(record, doc)
    } finally {
      doc.destroy()
    }
  }

  async deleteElement(id: string): Promise<boolean> {
    const record = await this.options.store.getElement(id)
    if (!record) return false
    const deleted = await this.options.store.deleteElement(id)
    if (deleted) this.options.onDeleted({ id, worldId: record.worldId })
    return deleted
  }
}

const detailOf = (record: ElementSummary, doc: Y.Doc): ElementDetail => {
  const content = readContent(doc)
  return {
    id: record.id,
    worldId: record.worldId,
    kind: content.kind,
    name: content.name,
    summary: content.summary,
    updatedAt: record.updatedAt,
    fields: { kind: content.kind, name: content.name, summary: content.summary },
    attributes: content.attributes,
    tags: content.tags,
    body: bodyToProseMirrorJSON(getBody(doc)),
  }
}
