/**
 * Converts the `body` XML fragment into ProseMirror's JSON shape without needing an editor schema,
 * so the HTTP API can return rich text from the server. Mirrors how the Collaboration binding maps
 * ProseMirror nodes onto Y.XmlElement / Y.XmlText.
 */
import * as Y from 'yjs'
import type { ProseMirrorJSON } from '../../shared/api.ts'

type Mark = { type: string; attrs?: Record<string, unknown> }

const marksOf = (attributes: Record<string, unknown> | undefined): Mark[] | undefined => {
  if (!attributes) return undefined
  const marks = Object.entries(attributes).map(([type, value]) =>
    value !== null && typeof value === 'object' && Object.keys(value).length > 0
      ? { type, attrs: value as Record<string, unknown> }
      : { type },
  )
  return marks.length > 0 ? marks : undefined
}

const textNodes = (text: Y.XmlText): ProseMirrorJSON[] =>
  (text.toDelta() as { insert: unknown; attributes?: Record<string, unknown> }[])
    .filter(
      (op): op is { insert: string; attributes?: Record<string, unknown> } =>
        typeof op.insert === 'string',
    )
    .map((op) => {
      const marks = marksOf(op.attributes)
      return marks ? { type: 'text', text: op.insert, marks } : { type: 'text', text: op.insert }
    })

const nodesOf = (item: Y.XmlElement | Y.XmlText | Y.XmlHook): ProseMirrorJSON[] => {
  if (item instanceof Y.XmlText) return textNodes(item)
  if (!(item instanceof Y.XmlElement)) return []
  const attrs = item.getAttributes()
  const content = item.toArray().flatMap(nodesOf)
  return [
    {
      type: item.nodeName,
      ...(Object.keys(attrs).length > 0 ? { attrs } : {}),
      ...(content.length > 0 ? { content } : {}),
    },
  ]
}

export const bodyToProseMirrorJSON = (fragment: Y.XmlFragment): ProseMirrorJSON => ({
  type: 'doc',
  content: fragment.toArray().flatMap(nodesOf),
})
