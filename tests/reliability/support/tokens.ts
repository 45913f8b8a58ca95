/**
 * Unique tokens written into an element document the way the app writes: each token becomes an
 * attribute key (a map entry) and a tag (an array item), in one transaction. A token lost,
 * invented or doubled shows up as a difference between these lists and what was sent.
 */
import * as Y from 'yjs'
import { getAttributes, getTags } from '../../../shared/element-doc.ts'
import { CollabClient } from '../../../client/collab/collab-client.ts'
import type { ElementSession } from '../../../client/collab/element-session.ts'

export const insertToken = (doc: Y.Doc, token: string): void => {
  doc.transact(() => {
    getAttributes(doc).set(token, new Y.Text(''))
    getTags(doc).push([token])
  })
}

export interface TokenContent {
  /** Attribute keys that are tokens. */
  readonly keys: readonly string[]
  /** Tags that are tokens, in order, duplicates kept. */
  readonly items: readonly string[]
}

export const readTokens = (
  doc: Y.Doc,
  isToken = (s: string) => s.startsWith('t:'),
): TokenContent => ({
  keys: [...getAttributes(doc).keys()].filter(isToken).sort(),
  items: getTags(doc).toArray().filter(isToken),
})

export interface TokenAudit {
  readonly lost: string[]
  readonly neverSent: string[]
  readonly doubled: string[]
  readonly keysDiffer: boolean
}

/** Compares what a document holds with what was sent and acknowledged. */
export const auditTokens = (
  content: TokenContent,
  sent: ReadonlySet<string>,
  acked: ReadonlySet<string>,
): TokenAudit => {
  const items = new Set(content.items)
  const seen = new Set<string>()
  const doubled: string[] = []
  for (const item of content.items) {
    if (seen.has(item)) doubled.push(item)
    seen.add(item)
  }
  const keys = new Set(content.keys)
  return {
    lost: [...acked].filter((token) => !items.has(token) || !keys.has(token)),
    neverSent: [...new Set([...items, ...keys])].filter((token) => !sent.has(token)),
    doubled,
    keysDiffer: keys.size !== items.size || [...keys].some((key) => !items.has(key)),
  }
}

export const CLEAN_AUDIT: TokenAudit = { lost: [], neverSent: [], doubled: [], keysDiffer: false }

/**
 * One writer: a real CollabClient with one open element. It records a token as acknowledged when
 * the session reports every local change saved (synced, nothing unacknowledged): that only
 * happens after the server acknowledged each update, which it does only after the commit.
 */
export class TokenWriter {
  readonly client: CollabClient
  readonly session: ElementSession
  readonly sent = new Set<string>()
  readonly acked = new Set<string>()
  private counter = 0

  constructor(
    readonly name: string,
    url: string,
    docId: string,
    token: string,
  ) {
    this.client = new CollabClient({
      url,
      options: {
        auth: { token },
        forceNew: true,
        reconnectionDelay: 20,
        reconnectionDelayMax: 200,
      },
    })
    this.session = this.client.open(docId)
    this.session.on('state', (state) => {
      if (state.synced && state.unsyncedChanges === 0) this.markAcked()
    })
  }

  insert(count = 1): void {
    for (let i = 0; i < count; i++) {
      const token = `t:${this.name}:${this.counter++}`
      this.sent.add(token)
      insertToken(this.session.doc, token)
    }
  }

  /** Resolves once everything inserted so far is acknowledged. */
  async save(): Promise<void> {
    await this.session.whenSaved()
    this.markAcked()
  }

  destroy(): void {
    this.client.destroy()
  }

  private markAcked(): void {
    for (const token of this.sent) this.acked.add(token)
  }
}
