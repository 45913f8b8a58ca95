/**
 * The body's content extensions: one list for the editor and for the read-only preview, so both
 * build the same schema. Collaboration extensions are added by the editor only.
 */
import type { AnyExtension } from '@tiptap/core'
import StarterKit from '@tiptap/starter-kit'
import { isSafeHref } from '../model/safe-link.ts'

export const bodyContentExtensions = (): AnyExtension[] => [
  StarterKit.configure({
    // The Collaboration extension brings its own undo that only undoes this person's changes.
    undoRedo: false,
    link: {
      openOnClick: false,
      autolink: true,
      linkOnPaste: true,
      defaultProtocol: 'https',
      // Checked when a link is set, parsed, pasted, auto-linked and rendered: a `javascript:` href
      // written into the shared document by anyone renders as an empty href.
      isAllowedUri: (url) => isSafeHref(url),
      HTMLAttributes: { rel: 'noopener noreferrer nofollow', target: '_blank' },
    },
  }),
]
