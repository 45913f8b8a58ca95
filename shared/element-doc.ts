/**
 * The element document schema: one Y.Doc per world element. Both the server (seeding, indexing,
 * JSON export) and the client (stores, editor) reach the shared types only through these
 * accessors, so the names of the top-level types live in exactly one place.
 */
import * as Y from 'yjs'
import { isElementKind, type ElementKind } from './element-kinds.ts'

export const FIELDS = 'fields'
export const ATTRIBUTES = 'attributes'
export const TAGS = 'tags'
export const BODY = 'body'

export type FieldsMap = Y.Map<Y.Text | string>

export const getFields = (doc: Y.Doc): FieldsMap => doc.getMap<Y.Text | string>(FIELDS)
export const getAttributes = (doc: Y.Doc): Y.Map<Y.Text> => doc.getMap<Y.Text>(ATTRIBUTES)
export const getTags = (doc: Y.Doc): Y.Array<string> => doc.getArray<string>(TAGS)
export const getBody = (doc: Y.Doc): Y.XmlFragment => doc.getXmlFragment(BODY)

export interface ElementSeed {
  readonly kind: ElementKind
  readonly name: string
  readonly summary: string
}

/** Plain values read from a document's fields; what the element index stores. */
export interface ElementFields {
  readonly kind: ElementKind
  readonly name: string
  readonly summary: string
}

export interface ElementContent extends ElementFields {
  readonly attributes: Readonly<Record<string, string>>
  readonly tags: readonly string[]
}

/**
 * Writes the initial content of a new element. Only the server calls this, once, when it creates the
 * element: a client that seeded a document that "looks empty" would duplicate content on every reload.
 */
export const seedElement = (doc: Y.Doc, seed: ElementSeed): void => {
  doc.transact(() => {
    const fields = getFields(doc)
    fields.set('kind', seed.kind)
    fields.set('name', new Y.Text(seed.name))
    fields.set('summary', new Y.Text(seed.summary))
    const paragraph = new Y.XmlElement('paragraph')
    getBody(doc).insert(0, [paragraph])
    // An empty text run inside the paragraph: without it, two people typing into the new element
    // at once each create their own Y.XmlText in the paragraph, and the editor binding's rewrite of
    // the merged pair moves or duplicates characters (seen in the two-browser e2e test).
    paragraph.insert(0, [new Y.XmlText()])
  })
}

/** Encodes a freshly seeded document as one update: what the server stores with the new row. */
export const encodeSeedUpdate = (seed: ElementSeed): Uint8Array => {
  const doc = new Y.Doc()
  seedElement(doc, seed)
  const update = Y.encodeStateAsUpdate(doc)
  doc.destroy()
  return update
}

const textOf = (value: unknown): string =>
  value instanceof Y.Text ? value.toString() : typeof value === 'string' ? value : ''

/** Reads the indexed fields; an unknown or missing kind reads as `note` rather than failing. */
export const readFields = (doc: Y.Doc): ElementFields => {
  const fields = getFields(doc)
  const kind = fields.get('kind')
  return {
    kind: isElementKind(kind) ? kind : 'note',
    name: textOf(fields.get('name')),
    summary: textOf(fields.get('summary')),
  }
}

export const readAttributes = (doc: Y.Doc): Record<string, string> => {
  const out: Record<string, string> = {}
  getAttributes(doc).forEach((value, key) => {
    out[key] = textOf(value)
  })
  return out
}

export const readTags = (doc: Y.Doc): string[] =>
  getTags(doc)
    .toArray()
    .filter((tag): tag is string => typeof tag === 'string')

export const readContent = (doc: Y.Doc): ElementContent => ({
  ...readFields(doc),
  attributes: readAttributes(doc),
  tags: readTags(doc),
})

export const sameFields = (a: ElementFields, b: ElementFields): boolean =>
  a.kind === b.kind && a.name === b.name && a.summary === b.summary
