/**
 * Renders a body fragment as read-only DOM for the preview. It reads the Y.XmlFragment as JSON
 * (never writing to it, unlike a second editor binding would on invalid content) and serialises
 * it through the schema, so text stays text and links pass the same safety check as in the editor.
 */
import { getSchema } from '@tiptap/core'
import { DOMSerializer, type Schema } from '@tiptap/pm/model'
import { yXmlFragmentToProsemirrorJSON } from '@tiptap/y-tiptap'
import type * as Y from 'yjs'
import { bodyContentExtensions } from './extensions.ts'

let schema: Schema | null = null
export const bodySchema = (): Schema => (schema ??= getSchema(bodyContentExtensions()))

export const renderBodyInto = (container: HTMLElement, fragment: Y.XmlFragment): void => {
  const document = container.ownerDocument
  const target = bodySchema()
  try {
    const node = target.nodeFromJSON(yXmlFragmentToProsemirrorJSON(fragment))
    node.check()
    container.replaceChildren(
      DOMSerializer.fromSchema(target).serializeFragment(node.content, { document }),
    )
  } catch {
    // Content this schema does not know (a newer client's node type): show its words, as text.
    const paragraph = document.createElement('p')
    paragraph.textContent = fragment.toDOM(document).textContent ?? ''
    container.replaceChildren(paragraph)
  }
}
